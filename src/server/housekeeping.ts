import type { Clock } from '../infra/clock.ts'
import type { SubStores } from '../infra/store.ts'
import type { GitContext } from '../git/service/context.ts'
import { syncAbandonedPushes } from '../git/service/ref-updates.ts'

const EVERY_MS = 5_000
const PRUNE_EVERY = 120

/**
 * What every server does now and then, whoever else does it too (each step is safe to run anywhere,
 * at once): publishing pushes whose server died before their events (every 5 s), and deleting
 * expired console sessions and login links, and each context's own `periodic` chores (every 10 minutes).
 */
export type Chore = { context: string; run: () => Promise<unknown> }

export function startHousekeeping(deps: { git: GitContext; store: Pick<SubStores, 'consoleSessions'>; clock: Clock; periodic?: Chore[]; onError: (err: unknown, context: string) => void }): () => void {
  let ticks = 0
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    const prune = ++ticks % PRUNE_EVERY === 1
    void (async () => {
      await syncAbandonedPushes(deps.git).catch((err: unknown) => deps.onError(err, 'publishing abandoned pushes'))
      if (prune) await deps.store.consoleSessions.prune(deps.clock.now().getTime()).catch((err: unknown) => deps.onError(err, 'pruning console sessions'))
      if (prune) for (const chore of deps.periodic ?? []) await chore.run().catch((err: unknown) => deps.onError(err, chore.context))
    })().finally(() => (busy = false))
  }, EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}
