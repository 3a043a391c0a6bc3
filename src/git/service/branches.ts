import { GitObjectNotFound, GitRefConflict } from '../ports.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import { isValidBranchName } from '../model/names.ts'
import { type GitContext, requireRepository } from './context.ts'
import { syncRefs } from './ref-updates.ts'

function requireBranchName(name: string | undefined): string {
  if (name === undefined || name === '') throw E.branchNameRequired()
  if (!isValidBranchName(name)) throw E.invalidBranchName(name)
  return name
}

export async function getBranch(ctx: GitContext, repositoryName: string | undefined, branchName: string | undefined) {
  const repo = await requireRepository(ctx, repositoryName)
  const branch = requireBranchName(branchName)
  const tip = await ctx.repos.branchTip(repo.id, branch)
  if (tip === null) throw E.branchDoesNotExist(branch)
  return { branchName: branch, commitId: tip }
}

export async function listBranches(ctx: GitContext, repositoryName: string): Promise<string[]> {
  const repo = await requireRepository(ctx, repositoryName)
  return [...(await ctx.repos.listBranches(repo.id)).keys()]
}

export async function createBranch(ctx: GitContext, repositoryName: string, branchName: string, commitId: string, principal: string): Promise<void> {
  const repo = await requireRepository(ctx, repositoryName)
  const branch = requireBranchName(branchName)
  if (!commitId) throw E.commitIdRequired()
  if ((await ctx.repos.branchTip(repo.id, branch)) !== null) throw E.branchNameExists(branch)
  let resolved: string
  try {
    resolved = await ctx.repos.resolveCommit(repo.id, commitId)
  } catch (err) {
    if (err instanceof GitObjectNotFound) throw E.commitDoesNotExist(commitId)
    throw err
  }
  try {
    await ctx.repos.updateBranch(repo.id, branch, resolved, null)
  } catch (err) {
    if (err instanceof GitRefConflict) throw E.branchNameExists(branch)
    throw err
  }
  await syncRefs(ctx, repo, principal)
}

export async function deleteBranch(ctx: GitContext, repositoryName: string, branchName: string, principal: string) {
  const repo = await requireRepository(ctx, repositoryName)
  const branch = requireBranchName(branchName)
  const tip = await ctx.repos.branchTip(repo.id, branch)
  // AWS answers an empty deletedBranch for a branch that does not exist.
  if (tip === null) return undefined
  if ((await ctx.repos.defaultBranch(repo.id)) === branch) throw E.defaultBranchCannotBeDeleted(branch)
  try {
    await ctx.repos.updateBranch(repo.id, branch, null, tip)
  } catch (err) {
    if (err instanceof GitRefConflict) return undefined
    throw err
  }
  await syncRefs(ctx, repo, principal)
  return { branchName: branch, commitId: tip }
}

export async function updateDefaultBranch(ctx: GitContext, repositoryName: string, branchName: string): Promise<void> {
  const repo = await requireRepository(ctx, repositoryName)
  const branch = requireBranchName(branchName)
  if ((await ctx.repos.branchTip(repo.id, branch)) === null) throw E.branchDoesNotExist(branch)
  await ctx.repos.setDefaultBranch(repo.id, branch)
  await ctx.store.repositories.touch(repo.id, ctx.clock.now())
}
