import { randomUUID } from 'node:crypto'
import type { BuildRecord } from '../records.ts'
import type { BuildContext } from '../service/context.ts'
import { buildArn } from '../service/context.ts'
import { BUILD_PHASE_CHANGE, BUILD_STATE_CHANGE } from '../service/builds.ts'
import { type EngineDeps, runBuild } from './build-engine.ts'
import { ClaimLoop } from '../../infra/claim-loop.ts'
import type { SubStores } from '../../infra/store.ts'

/** The signal sent when a build is queued (by any server), so every runner looks for work. */
export const BUILD_QUEUED_SIGNAL = 'build-queued'

export type RunnerOptions = {
  /** How long a claim lasts without renewal; a runner that dies lets its builds fail after this. */
  leaseMs: number
  /** Builds this runner runs at once. */
  maxParallel: number
  tickMs: number
  onError: (err: unknown, context: string) => void
}

type Running = {
  build: BuildRecord
  jobId: string
  controller: AbortController
  deadline: number
  done: Promise<void>
  /** The phase the build was last saved in (a new one is published as an event). */
  savedPhase?: string
}

/**
 * The build runner: claims queued builds (respecting each project's concurrentBuildLimit), runs them
 * with the engine, renews its leases, and enforces stop requests and timeouts from the `Clock`. Its
 * tick also reconciles what others left behind: builds whose runner's lease expired end FAILED, and
 * builds queued longer than queuedTimeoutInMinutes end TIMED_OUT. Crash recovery is this same path.
 */
export class BuildRunner {
  readonly owner = `runner-${randomUUID()}`
  readonly #ctx: BuildContext
  readonly #engine: EngineDeps
  readonly #options: RunnerOptions
  readonly #running = new Map<string, Running>()
  readonly #loop: ClaimLoop<Running>

  constructor(ctx: BuildContext, engine: EngineDeps, options: Partial<RunnerOptions> & Pick<RunnerOptions, 'onError'>) {
    this.#ctx = ctx
    this.#engine = engine
    this.#options = { leaseMs: 15_000, maxParallel: 8, tickMs: 250, ...options }
    this.#loop = new ClaimLoop<Running>({
      signals: ctx.store.signals,
      signal: BUILD_QUEUED_SIGNAL,
      maxParallel: this.#options.maxParallel,
      tickMs: this.#options.tickMs,
      claim: () => this.#claim(),
      run: (r) => this.#run(r),
      tick: () => this.#tick(),
      onError: this.#options.onError,
      what: 'builds',
    })
  }

  /**
   * Starts the tick (leases, stop requests, timeouts, and ending what dead runners left). With
   * `claim: false` (a server without `--runner`) it claims no builds: it only reconciles.
   */
  start(options: { claim: boolean } = { claim: true }): void {
    this.#loop.start(options)
  }

  isRunning(buildId: string): boolean {
    return this.#running.has(buildId)
  }

  /** Claims and starts whatever can run now. Cheap to call often. */
  wake(): void {
    this.#loop.wake()
  }

  /** Stops claiming; running builds are stopped and finalized (they end STOPPED). */
  async stop(): Promise<void> {
    this.#loop.stop()
    for (const r of this.#running.values()) r.controller.abort('STOPPED')
    await Promise.allSettled([...this.#running.values()].map((r) => r.done))
  }

  /** Claims the next build that can run (within its project's concurrent build limit). */
  async #claim(): Promise<Running | undefined> {
    for (;;) {
      const now = this.#ctx.clock.now()
      const claim = await this.#ctx.store.builds.claimNext(this.owner, now, new Date(now.getTime() + this.#options.leaseMs))
      if (!claim) return undefined
      const build = await this.#ctx.store.builds.get(claim.buildId)
      if (!build || build.status !== 'IN_PROGRESS') {
        await this.#ctx.store.jobs.complete(claim.jobId, this.owner, 'failed', now)
        continue
      }
      const controller = new AbortController()
      const running: Running = { build, jobId: claim.jobId, controller, deadline: now.getTime() + build.settings.timeoutInMinutes * 60_000, done: Promise.resolve() }
      this.#running.set(build.id, running)
      if (build.stopRequested) controller.abort('STOPPED')
      return running
    }
  }

  #run(r: Running): Promise<void> {
    r.done = this.#runToEnd(r)
    return r.done
  }

  async #runToEnd(r: Running): Promise<void> {
    try {
      const final = await runBuild(r.build, this.#engine, {
        signal: r.controller.signal,
        save: (b) => this.#save(r, b),
      })
      await this.#finish(final, (tx, now) => tx.jobs.complete(r.jobId, this.owner, final.status === 'SUCCEEDED' ? 'done' : 'failed', now))
    } catch (err) {
      this.#options.onError(err, `running build ${r.build.id}`)
    } finally {
      this.#running.delete(r.build.id)
    }
  }

  /** Saves a running build; a new current phase is saved with its phase-change event. */
  async #save(r: Running, build: BuildRecord): Promise<void> {
    const previous = r.savedPhase
    if (build.currentPhase === previous) {
      await this.#ctx.store.builds.save(build, 'IN_PROGRESS')
      return
    }
    r.savedPhase = build.currentPhase
    const now = this.#ctx.clock.now()
    await this.#ctx.store.transaction(async (tx) => {
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) return
      const detail = { 'build-id': build.id, 'project-name': build.projectName, 'build-status': build.status, 'current-phase': build.currentPhase, 'completed-phase': previous }
      await tx.events.append({ type: BUILD_PHASE_CHANGE, source: 'aws.codebuild', resource: buildArn(this.#ctx, build.id), detail, at: now })
    })
    await this.#ctx.bus.flush()
  }

  /**
   * Saves a build's end with its event, in one transaction, only if `settle` (the job's guarded
   * update) succeeds first: a runner whose claim another server took away saves nothing.
   */
  async #finish(build: BuildRecord, settle: (tx: Pick<SubStores, 'jobs'>, now: Date) => Promise<boolean>): Promise<void> {
    const now = this.#ctx.clock.now()
    const saved = await this.#ctx.store.transaction(async (tx) => {
      if (!(await settle(tx, now))) return false
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) return false
      await tx.events.append({
        type: BUILD_STATE_CHANGE,
        source: 'aws.codebuild',
        resource: buildArn(this.#ctx, build.id),
        detail: { 'build-id': build.id, 'project-name': build.projectName, 'build-status': build.status },
        at: now,
      })
      return true
    })
    if (saved) await this.#ctx.bus.flush()
  }

  async #tick(): Promise<void> {
    const now = this.#ctx.clock.now()
    for (const r of this.#running.values()) {
      if (r.controller.signal.aborted) continue
      // A claim this runner no longer holds (another server ended the build after a lapse): stop working on it.
      const held = await this.#ctx.store.jobs.renew(r.jobId, this.owner, new Date(now.getTime() + this.#options.leaseMs), now)
      const current = await this.#ctx.store.builds.get(r.build.id)
      if (!held || current?.stopRequested) r.controller.abort('STOPPED')
      else if (now.getTime() > r.deadline) r.controller.abort('TIMED_OUT')
    }
    await this.#reconcile(now)
  }

  /** Ends builds nobody will finish: lost runners (expired leases) and queue timeouts. */
  async #reconcile(now: Date): Promise<void> {
    for (const job of await this.#ctx.store.jobs.expired('build', now)) {
      if (this.#running.has(job.subjectId)) continue
      const build = await this.#ctx.store.builds.get(job.subjectId)
      if (build?.status === 'IN_PROGRESS') {
        await this.#finish(ended(build, now, 'FAILED', 'The build runner stopped responding; the build was abandoned'), (tx, at) => tx.jobs.failExpired(job, at))
        await this.#engine.keys?.revoke(build.id)
      } else await this.#ctx.store.jobs.failExpired(job, now)
    }
    for (const build of await this.#ctx.store.builds.unfinished()) {
      if (build.currentPhase !== 'QUEUED') continue
      if (now.getTime() - build.startTime.getTime() > build.settings.queuedTimeoutInMinutes * 60_000) {
        await this.#finish(ended(build, now, 'TIMED_OUT', `Build was queued for longer than ${build.settings.queuedTimeoutInMinutes} minutes`), (tx, at) => tx.jobs.cancelQueued(`build:${build.id}`, at))
      }
    }
  }
}

/** A build ended from outside its engine: the open phase gets `status`, then COMPLETED. */
function ended(build: BuildRecord, now: Date, status: 'FAILED' | 'TIMED_OUT', message: string): BuildRecord {
  const phases = build.phases.map((p) => (p.endTime ? p : { ...p, phaseStatus: status, endTime: now, contexts: [{ statusCode: 'CLIENT_ERROR', message }] }))
  return { ...build, status, currentPhase: 'COMPLETED', endTime: now, phases: [...phases, { phaseType: 'COMPLETED', startTime: now }] }
}
