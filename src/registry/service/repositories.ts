import type { RepositoryRecord, TagMutability } from '../records.ts'
import { RegistryErrors as E } from '../errors.ts'
import { isRepositoryName, repositoryArn } from '../model/names.ts'
import { LifecyclePolicyInvalid, parseLifecyclePolicy } from '../model/lifecycle.ts'
import { repositoryLock, type RegistryContext } from './context.ts'

export const registryId = (ctx: RegistryContext): string => ctx.accountId
export const arnOf = (ctx: RegistryContext, name: string): string => repositoryArn(ctx.region, ctx.accountId, name)
export const uriOf = (ctx: RegistryContext, name: string): string => `${ctx.registryHost()}/${name}`

/** The registryId parameter, when given, must be this registry's. */
export function checkRegistryId(ctx: RegistryContext, given: string | undefined): void {
  if (given !== undefined && given !== ctx.accountId) throw E.invalidParameter(`Invalid parameter at 'registryId' failed to satisfy constraint: 'registry ${given} is not served here (this registry is ${ctx.accountId})'`)
}

export async function requireRepository(ctx: RegistryContext, name: string): Promise<RepositoryRecord> {
  const repo = await ctx.store.registry.getRepository(name)
  if (!repo) throw E.repositoryNotFound(name, registryId(ctx))
  return repo
}

export type CreateRepositoryInput = {
  repositoryName: string
  imageTagMutability?: TagMutability
  scanOnPush?: boolean
  encryptionType?: string
  kmsKey?: string
  tags?: Record<string, string>
  pullThroughPrefix?: string
}

export async function createRepository(ctx: RegistryContext, input: CreateRepositoryInput): Promise<RepositoryRecord> {
  if (!isRepositoryName(input.repositoryName)) {
    throw E.invalidParameter(`Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and be 2 to 256 characters'`)
  }
  const repo: RepositoryRecord = {
    name: input.repositoryName,
    createdAt: ctx.clock.now(),
    imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
    scanOnPush: input.scanOnPush ?? false,
    encryptionType: input.encryptionType ?? 'AES256',
    ...(input.kmsKey ? { kmsKey: input.kmsKey } : {}),
    ...(input.pullThroughPrefix ? { pullThroughPrefix: input.pullThroughPrefix } : {}),
  }
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.registry.insertRepository(repo))) throw E.repositoryExists(repo.name, registryId(ctx))
    if (input.tags && Object.keys(input.tags).length > 0) await tx.tags.put(arnOf(ctx, repo.name), input.tags)
  }, { lock: repositoryLock(repo.name) })
  return repo
}

export async function deleteRepository(ctx: RegistryContext, name: string, force: boolean): Promise<{ repo: RepositoryRecord; imageCount: number }> {
  return ctx.store.transaction(async (tx) => {
    const repo = await tx.registry.getRepository(name)
    if (!repo) throw E.repositoryNotFound(name, registryId(ctx))
    const images = await tx.registry.listManifests(name)
    if (images.length > 0 && !force) throw E.repositoryNotEmpty(name, registryId(ctx))
    await tx.registry.deleteRepository(name)
    await tx.tags.removeAll(arnOf(ctx, name))
    return { repo, imageCount: images.length }
  }, { lock: repositoryLock(name) })
}

/** Changes a repository's settings under its lock. */
export async function updateRepository(ctx: RegistryContext, name: string, change: (repo: RepositoryRecord) => RepositoryRecord): Promise<RepositoryRecord> {
  return ctx.store.transaction(async (tx) => {
    const repo = await tx.registry.getRepository(name)
    if (!repo) throw E.repositoryNotFound(name, registryId(ctx))
    const next = change(repo)
    await tx.registry.updateRepository(next)
    return next
  }, { lock: repositoryLock(name) })
}

/** Checks a lifecycle policy's text the way PutLifecyclePolicy does. */
export function checkLifecyclePolicy(text: string): void {
  try {
    parseLifecyclePolicy(text)
  } catch (err) {
    if (err instanceof LifecyclePolicyInvalid) {
      throw E.invalidParameter(`Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${err.message}'`)
    }
    throw err
  }
}
