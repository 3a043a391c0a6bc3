import type { StoreSlice } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { EventBus } from '../../events/bus.ts'
import type { GitRepos } from '../ports.ts'
import type { RepositoryRecord } from '../records.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import { isValidRepositoryName } from '../model/names.ts'

/** What the git use cases need, passed down once at start. */
/** The git context's slice of the store. */
export type GitStore = StoreSlice<'repositories' | 'tags' | 'events'>

export type GitContext = {
  store: GitStore
  repos: GitRepos
  clock: Clock
  bus: EventBus
  region: string
  accountId: string
  /** Base URL clients reach the server at, e.g. `http://127.0.0.1:4566`. */
  baseUrl: () => string
}

export function repositoryArn(ctx: GitContext, name: string): string {
  return `arn:aws:codecommit:${ctx.region}:${ctx.accountId}:${name}`
}

export function cloneUrl(ctx: GitContext, name: string): string {
  return `${ctx.baseUrl()}/v1/repos/${encodeURIComponent(name)}`
}

/** Loads a repository by name or throws the CodeCommit error for why it can't be. */
export async function requireRepository(ctx: GitContext, name: string | undefined): Promise<RepositoryRecord> {
  if (name === undefined || name === '') throw E.repositoryNameRequired()
  if (!isValidRepositoryName(name)) throw E.invalidRepositoryName()
  const repo = await ctx.store.repositories.getByName(name)
  if (!repo) throw E.repositoryDoesNotExist(name)
  return repo
}
