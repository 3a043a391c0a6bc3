import type { RefUpdate } from '../ports.ts'
import type { RepositoryRecord } from '../records.ts'
import { type GitContext, repositoryArn } from './context.ts'

export const REFERENCE_UPDATED = 'codecommit.ReferenceUpdated'

/** The event every accepted ref change emits (push or API commit); pipelines subscribe to it. */
export type ReferenceUpdatedDetail = {
  repositoryId: string
  repositoryName: string
  /** Full ref name, e.g. `refs/heads/main`. */
  ref: string
  oldCommitId: string | null
  newCommitId: string | null
  event: 'referenceCreated' | 'referenceUpdated' | 'referenceDeleted'
  callerUserArn: string
}

async function currentRefs(ctx: GitContext, repo: RepositoryRecord): Promise<Map<string, string>> {
  const refs = new Map<string, string>()
  for (const [branch, commit] of await ctx.repos.listBranches(repo.id)) refs.set(`refs/heads/${branch}`, commit)
  return refs
}

/** Differences between the published snapshot and the repository's refs now. */
export function refChanges(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const updates: RefUpdate[] = []
  for (const [ref, commit] of after) if (before.get(ref) !== commit) updates.push({ ref, oldCommitId: before.get(ref) ?? null, newCommitId: commit })
  for (const [ref, commit] of before) if (!after.has(ref)) updates.push({ ref, oldCommitId: commit, newCommitId: null })
  return updates.sort((a, b) => a.ref.localeCompare(b.ref))
}

const sameRefs = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([ref, commit]) => b.get(ref) === commit)

/**
 * Publishes every ref change git has that the store has not recorded yet (after a push, an API commit,
 * or at start-up after a crash): one ReferenceUpdated event per ref, written with the new snapshot in
 * one transaction under the repository's lock, then published. The transaction writes only if the
 * snapshot is still the one the changes were computed from; otherwise another server published first
 * and the refs are read again — so no change is published twice, and none is published from a stale
 * read of git. Also makes the first pushed branch the default when HEAD names a branch that does not exist.
 */
export async function syncRefs(ctx: GitContext, repo: RepositoryRecord, principal: string): Promise<RefUpdate[]> {
  const startedAt = ctx.clock.now()
  for (;;) {
    // The snapshot first, git second: git is then at least as new as what the snapshot was made from,
    // and a snapshot another server writes meanwhile makes the transaction below start over.
    const snapshot = await ctx.store.repositories.refs(repo.id)
    const now = await currentRefs(ctx, repo)
    const updates = refChanges(snapshot, now)
    if (updates.length === 0) {
      await ctx.store.repositories.clearSync(repo.id, startedAt)
      return updates
    }
    if (!now.has(`refs/heads/${await ctx.repos.defaultBranch(repo.id)}`)) {
      const first = updates.find((u) => u.newCommitId && u.ref.startsWith('refs/heads/'))
      if (first) await ctx.repos.setDefaultBranch(repo.id, first.ref.slice('refs/heads/'.length))
    }
    const at = ctx.clock.now()
    const published = await ctx.store.transaction(async (tx) => {
      if (!sameRefs(await tx.repositories.refs(repo.id), snapshot)) return false
      await tx.repositories.touch(repo.id, at)
      await tx.repositories.clearSync(repo.id, startedAt)
      for (const u of updates) {
        await tx.repositories.setRef(repo.id, u.ref, u.newCommitId)
        const detail: ReferenceUpdatedDetail = {
          repositoryId: repo.id,
          repositoryName: repo.name,
          ref: u.ref,
          oldCommitId: u.oldCommitId,
          newCommitId: u.newCommitId,
          event: u.oldCommitId === null ? 'referenceCreated' : u.newCommitId === null ? 'referenceDeleted' : 'referenceUpdated',
          callerUserArn: `arn:aws:iam::${ctx.accountId}:user/${principal}`,
        }
        await tx.events.append({ type: REFERENCE_UPDATED, source: 'aws.codecommit', resource: repositoryArn(ctx, repo.name), detail, at })
      }
      return true
    }, { lock: `repository:${repo.id}` })
    if (!published) continue
    await ctx.bus.flush()
    return updates
  }
}

/** Start-up recovery: publish ref changes of every repository that a crash left unpublished. */
export async function syncAllRefs(ctx: GitContext): Promise<void> {
  for (const summary of await ctx.store.repositories.list('repositoryName', 'ascending')) {
    if (await ctx.repos.exists(summary.id)) await syncRefs(ctx, summary, 'slipway')
  }
}

/** How long a push may go without renewing its mark before another server publishes for it. */
export const PUSH_MARK_MS = 15_000

/**
 * Publishes what a push left unpublished when its server died between `git receive-pack` and the
 * events (the push's mark outlived it): every server looks now and then.
 */
export async function syncAbandonedPushes(ctx: GitContext): Promise<void> {
  for (const id of await ctx.store.repositories.syncRequestedBefore(new Date(ctx.clock.now().getTime() - PUSH_MARK_MS))) {
    const repo = await ctx.store.repositories.getById(id)
    if (repo && (await ctx.repos.exists(repo.id))) await syncRefs(ctx, repo, 'slipway')
    else await ctx.store.repositories.clearSync(id, ctx.clock.now())
  }
}
