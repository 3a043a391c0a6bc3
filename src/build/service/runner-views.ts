import type { RunnerRecord } from '../records.ts'
import type { BuildContext } from './context.ts'
import { requirementsOf, waitingReason } from '../model/runner-match.ts'

/** A runner counts as present when it called within this long (it long-polls every 20 s at most). */
export const RUNNER_PRESENT_MS = 60_000

export type RunnerView = Omit<RunnerRecord, 'principal'> & { builds: string[] }

/** The runners present now, each with the ids of the builds it holds. */
export async function listRunners(ctx: BuildContext): Promise<RunnerView[]> {
  const now = ctx.clock.now()
  const runners = await ctx.store.runners.active(new Date(now.getTime() - RUNNER_PRESENT_MS))
  const held = new Map<string, string[]>()
  for (const build of await ctx.store.builds.unfinished()) {
    const job = await ctx.store.jobs.get(`build:${build.id}`)
    if (job?.status === 'claimed' && job.owner) held.set(job.owner, [...(held.get(job.owner) ?? []), build.id])
  }
  return runners.map(({ principal: _p, ...r }) => ({ ...r, builds: held.get(r.id) ?? [] }))
}

/** Why a queued build waits, when no present runner accepts it (the console's build page says so). */
export async function whyQueued(ctx: BuildContext, buildId: string): Promise<string | undefined> {
  const build = await ctx.store.builds.get(buildId)
  if (build?.status !== 'IN_PROGRESS' || build.currentPhase !== 'QUEUED') return undefined
  const now = ctx.clock.now()
  const runners = await ctx.store.runners.active(new Date(now.getTime() - RUNNER_PRESENT_MS))
  return waitingReason(requirementsOf(build.settings.environment), runners)
}
