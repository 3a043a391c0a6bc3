import type { BuildRecord } from '../records.ts'
import type { BuildContext } from './context.ts'
import { BUILD_STOP_SIGNAL, buildStateChanged } from './builds.ts'
import type { BuildKeys } from '../../identity/build-keys.ts'
import type { Job } from '../../infra/jobs.ts'
import type { SubStores } from '../../infra/store.ts'
import { buildLock } from './runner-dispatch.ts'

/** Runners long gone are forgotten now and then, not every tick. */
const PRUNE_EVERY_TICKS = 240

export type ReconcilerOptions = {
  keys: BuildKeys
  tickMs: number
  /** Runners not seen for this long are forgotten. */
  forgetRunnersAfterMs: number
  onError: (err: unknown, context: string) => void
}

/**
 * Ends what no runner will finish, on every server, every tick: a build whose runner's lease lapsed
 * ends FAILED (or, when the runner never started it, goes back to the queue for another runner); a
 * build queued longer than `queuedTimeoutInMinutes` ends TIMED_OUT; a running build past its
 * `timeoutInMinutes` is told to stop (its runner ends it TIMED_OUT). Every step is a guarded update,
 * so servers doing it at once change a build once. Crash recovery is this same path.
 */
export class BuildReconciler {
  readonly #ctx: BuildContext
  readonly #o: ReconcilerOptions
  #timer: NodeJS.Timeout | undefined
  #ticking = false
  #ticks = 0

  constructor(ctx: BuildContext, options: ReconcilerOptions) {
    this.#ctx = ctx
    this.#o = options
  }

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), this.#o.tickMs)
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return
    this.#ticking = true
    try {
      await this.reconcile()
    } catch (err) {
      this.#o.onError(err, 'reconciling builds')
    } finally {
      this.#ticking = false
    }
  }

  async reconcile(): Promise<void> {
    const { store, clock } = this.#ctx
    const now = clock.now()
    for (const job of await store.jobs.expired('build', now)) await this.#lapsed(job, now)
    for (const build of await store.builds.unfinished()) {
      if (build.currentPhase === 'QUEUED') {
        if (now.getTime() - build.startTime.getTime() > build.settings.queuedTimeoutInMinutes * 60_000) {
          const message = `Build was queued for longer than ${build.settings.queuedTimeoutInMinutes} minutes`
          await this.#finish(ended(build, now, 'TIMED_OUT', message), (tx, at) => tx.jobs.cancelQueued(`build:${build.id}`, at))
        }
        continue
      }
      const started = build.phases.find((p) => p.phaseType === 'PROVISIONING')?.startTime
      if (started && !build.stopRequested && now.getTime() - started.getTime() > build.settings.timeoutInMinutes * 60_000) {
        if (await store.builds.requestStop(build.id, 'TIMED_OUT')) store.signals.send(BUILD_STOP_SIGNAL, build.id)
      }
    }
    if (this.#ticks++ % PRUNE_EVERY_TICKS === 0) await store.runners.prune(new Date(now.getTime() - this.#o.forgetRunnersAfterMs))
  }

  /** A build job whose runner stopped renewing its lease. */
  async #lapsed(job: Job, now: Date): Promise<void> {
    const { store } = this.#ctx
    const build = await store.builds.get(job.subjectId)
    if (build?.status !== 'IN_PROGRESS') {
      await store.jobs.failExpired(job, now)
      return
    }
    const runner = job.owner ? await store.runners.get(job.owner) : undefined
    if (build.currentPhase === 'QUEUED') {
      // Claimed but never started (the runner died, or never got the answer): another runner takes it
      // — decided under the build's lock, which its runner's first report takes too.
      const requeued = await store.transaction(async (tx) => (await tx.builds.get(build.id))?.currentPhase === 'QUEUED' && tx.jobs.requeueExpired(job, now), { lock: buildLock(build.id) })
      if (requeued) {
        await this.#o.keys.revoke(build.id, now)
        this.#ctx.wake()
      }
      return
    }
    const message = `The build runner stopped responding: ${runner ? `${runner.name} sent` : 'its runner sent'} no word within its lease, and the build was abandoned`
    await this.#finish(ended(build, now, 'FAILED', message), (tx, at) => tx.jobs.failExpired(job, at))
    await this.#o.keys.revoke(build.id)
  }

  /** Saves a build's end with its event, only if `settle` (the job's guarded update) succeeds first. */
  async #finish(build: BuildRecord, settle: (tx: Pick<SubStores, 'jobs'>, now: Date) => Promise<boolean>): Promise<void> {
    const ctx = this.#ctx
    const now = ctx.clock.now()
    const saved = await ctx.store.transaction(async (tx) => {
      if (!(await settle(tx, now))) return false
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) return false
      await tx.events.append(buildStateChanged(ctx, build, now))
      return true
    })
    if (saved) await ctx.bus.flush()
  }
}

/** A build ended from outside its runner: the open phase gets `status`, then COMPLETED. */
function ended(build: BuildRecord, now: Date, status: 'FAILED' | 'TIMED_OUT', message: string): BuildRecord {
  const phases = build.phases.map((p) => (p.endTime ? p : { ...p, phaseStatus: status, endTime: now, contexts: [{ statusCode: 'CLIENT_ERROR', message }] }))
  return { ...build, status, currentPhase: 'COMPLETED', endTime: now, phases: [...phases, { phaseType: 'COMPLETED', startTime: now }] }
}
