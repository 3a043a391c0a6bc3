import { randomUUID } from 'node:crypto'
import type { RepositoryRecord } from '../records.ts'
import { NameTaken } from '../records.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import { isValidRepositoryName } from '../model/names.ts'
import { type GitContext, cloneUrl, repositoryArn, requireRepository } from './context.ts'

/** CodeCommit's RepositoryMetadata, as the API returns it. */
export type RepositoryMetadata = {
  accountId: string
  repositoryId: string
  repositoryName: string
  repositoryDescription?: string
  defaultBranch?: string
  lastModifiedDate: Date
  creationDate: Date
  cloneUrlHttp: string
  cloneUrlSsh: string
  Arn: string
  kmsKeyId?: string
}

export async function metadataOf(ctx: GitContext, repo: RepositoryRecord): Promise<RepositoryMetadata> {
  const head = await ctx.repos.defaultBranch(repo.id)
  const hasHead = (await ctx.repos.branchTip(repo.id, head)) !== null
  const http = cloneUrl(ctx, repo.name)
  return {
    accountId: ctx.accountId,
    repositoryId: repo.id,
    repositoryName: repo.name,
    repositoryDescription: repo.description,
    defaultBranch: hasHead ? head : undefined,
    lastModifiedDate: repo.lastModifiedAt,
    creationDate: repo.createdAt,
    cloneUrlHttp: http,
    cloneUrlSsh: http.replace(/^https?:/, 'ssh:'),
    Arn: repositoryArn(ctx, repo.name),
    kmsKeyId: repo.kmsKeyId,
  }
}

export async function createRepository(
  ctx: GitContext,
  input: { name: string; description?: string; tags?: Record<string, string>; kmsKeyId?: string },
): Promise<RepositoryMetadata> {
  if (!isValidRepositoryName(input.name)) throw E.invalidRepositoryName()
  if (await ctx.store.repositories.getByName(input.name)) throw E.repositoryNameExists(input.name)
  const now = ctx.clock.now()
  const repo: RepositoryRecord = { id: randomUUID(), name: input.name, description: input.description, kmsKeyId: input.kmsKeyId, createdAt: now, lastModifiedAt: now }
  // Disk first: a crash leaves at worst an orphan folder named by a fresh id, never a row without a repo.
  await ctx.repos.create(repo.id)
  try {
    await ctx.store.transaction(async (tx) => {
      await tx.repositories.insert(repo)
      if (input.tags && Object.keys(input.tags).length > 0) await tx.tags.put(repositoryArn(ctx, repo.name), input.tags)
    })
  } catch (err) {
    await ctx.repos.remove(repo.id)
    if (err instanceof NameTaken) throw E.repositoryNameExists(input.name)
    throw err
  }
  return metadataOf(ctx, repo)
}

export async function getRepository(ctx: GitContext, name: string): Promise<RepositoryMetadata> {
  return metadataOf(ctx, await requireRepository(ctx, name))
}

export async function batchGetRepositories(ctx: GitContext, names: string[]) {
  if (names.length === 0) throw E.repositoryNamesRequired()
  if (names.length > 100) throw E.maximumRepositoryNamesExceeded()
  const repositories: RepositoryMetadata[] = []
  const repositoriesNotFound: string[] = []
  for (const name of names) {
    if (!isValidRepositoryName(name)) throw E.invalidRepositoryName()
    const repo = await ctx.store.repositories.getByName(name)
    if (repo) repositories.push(await metadataOf(ctx, repo))
    else repositoriesNotFound.push(name)
  }
  return { repositories, repositoriesNotFound, errors: [] }
}

export async function listRepositories(ctx: GitContext, sortBy: 'repositoryName' | 'lastModifiedDate' = 'repositoryName', order: 'ascending' | 'descending' = 'ascending') {
  return (await ctx.store.repositories.list(sortBy, order)).map((r) => ({ repositoryName: r.name, repositoryId: r.id }))
}

/** Deleting a repository that does not exist succeeds with no id, as on AWS. */
export async function deleteRepository(ctx: GitContext, name: string): Promise<string | undefined> {
  if (!isValidRepositoryName(name)) throw E.invalidRepositoryName()
  const repo = await ctx.store.repositories.getByName(name)
  if (!repo) return undefined
  await ctx.store.transaction(async (tx) => {
    await tx.repositories.delete(repo.id)
    await tx.tags.removeAll(repositoryArn(ctx, repo.name))
  })
  await ctx.repos.remove(repo.id)
  return repo.id
}

export async function updateRepositoryDescription(ctx: GitContext, name: string, description: string | undefined): Promise<void> {
  const repo = await requireRepository(ctx, name)
  await ctx.store.repositories.setDescription(repo.id, description, ctx.clock.now())
}

export async function renameRepository(ctx: GitContext, oldName: string, newName: string): Promise<void> {
  const repo = await requireRepository(ctx, oldName)
  if (!isValidRepositoryName(newName)) throw E.invalidRepositoryName()
  if (oldName === newName) return
  const oldArn = repositoryArn(ctx, oldName)
  try {
    await ctx.store.transaction(async (tx) => {
      await tx.repositories.rename(repo.id, newName, ctx.clock.now())
      const tags = await tx.tags.list(oldArn)
      await tx.tags.removeAll(oldArn)
      await tx.tags.put(repositoryArn(ctx, newName), tags)
    })
  } catch (err) {
    if (err instanceof NameTaken) throw E.repositoryNameExists(newName)
    throw err
  }
}
