import type { CommitInfo } from '../ports.ts'
import { GitObjectNotFound } from '../ports.ts'
import type { RepositoryRecord } from '../records.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import { normalizeRepoPath } from '../model/names.ts'
import { type GitContext, requireRepository } from './context.ts'

/** CodeCommit's Commit shape: git's commit plus `additionalData`. */
export type CommitView = CommitInfo & { additionalData: string }

export const toCommitView = (c: CommitInfo): CommitView => ({ ...c, additionalData: '' })

/** Resolves a commit specifier (id, branch, tag, HEAD) or throws `notFound(spec)`. */
export async function resolveSpecifier(ctx: GitContext, repo: RepositoryRecord, spec: string, notFound: (s: string) => Error): Promise<string> {
  if (/[\s\x00-\x1f]/.test(spec) || spec.startsWith('-') || spec.includes('..')) throw E.invalidCommit(spec)
  try {
    return await ctx.repos.resolveCommit(repo.id, spec)
  } catch (err) {
    if (err instanceof GitObjectNotFound) throw notFound(spec)
    throw err
  }
}

const isObjectId = (id: string) => /^[0-9a-f]{40}$/.test(id)

export async function getCommit(ctx: GitContext, repositoryName: string, commitId: string): Promise<CommitView> {
  const repo = await requireRepository(ctx, repositoryName)
  if (!commitId) throw E.commitIdRequired()
  if (!isObjectId(commitId)) throw E.invalidCommitId(commitId)
  if ((await ctx.repos.objectType(repo.id, commitId)) !== 'commit') throw E.commitIdDoesNotExist(commitId)
  return toCommitView(await ctx.repos.getCommit(repo.id, commitId))
}

export async function batchGetCommits(ctx: GitContext, repositoryName: string, commitIds: string[]) {
  const repo = await requireRepository(ctx, repositoryName)
  if (commitIds.length === 0) throw E.commitIdsListRequired()
  if (commitIds.length > 100) throw E.commitIdsLimitExceeded()
  const commits: CommitView[] = []
  const errors: { commitId: string; errorCode: string; errorMessage: string }[] = []
  for (const id of commitIds) {
    if (!isObjectId(id)) errors.push({ commitId: id, errorCode: 'InvalidCommitIdException', errorMessage: `The commit ID '${id}' is not valid.` })
    else if ((await ctx.repos.objectType(repo.id, id)) !== 'commit') errors.push({ commitId: id, errorCode: 'CommitIdDoesNotExistException', errorMessage: `Commit ID '${id}' does not exist.` })
    else commits.push(toCommitView(await ctx.repos.getCommit(repo.id, id)))
  }
  return { commits, errors }
}

export async function getDifferences(
  ctx: GitContext,
  input: { repositoryName: string; beforeCommitSpecifier?: string; afterCommitSpecifier: string; beforePath?: string; afterPath?: string },
) {
  const repo = await requireRepository(ctx, input.repositoryName)
  if (!input.afterCommitSpecifier) throw E.commitRequired()
  const after = await resolveSpecifier(ctx, repo, input.afterCommitSpecifier, E.commitDoesNotExist)
  const before = input.beforeCommitSpecifier ? await resolveSpecifier(ctx, repo, input.beforeCommitSpecifier, E.commitDoesNotExist) : null
  const cleanPath = (p: string | undefined) => {
    if (p === undefined) return undefined
    const n = normalizeRepoPath(p)
    if (n === null) throw E.invalidPath(p)
    return n === '' ? undefined : n
  }
  const beforePath = cleanPath(input.beforePath)
  const afterPath = cleanPath(input.afterPath)
  if (afterPath !== undefined && (await ctx.repos.entryAt(repo.id, after, afterPath)) === null) throw E.pathDoesNotExist(afterPath)
  if (before !== null && beforePath !== undefined && (await ctx.repos.entryAt(repo.id, before, beforePath)) === null) throw E.pathDoesNotExist(beforePath)
  const diffs = await ctx.repos.diff(repo.id, before, after, beforePath, afterPath)
  return diffs.map((d) => ({ beforeBlob: d.before, afterBlob: d.after, changeType: d.changeType }))
}
