import { randomUUID } from 'node:crypto'
import type { BuildRecord, ReportRecord, RunnerRecord, StopReason } from '../records.ts'
import type { BuildContext } from './context.ts'
import { buildArn } from './context.ts'
import { BUILD_PHASE_CHANGE, BUILD_QUEUED_SIGNAL, BUILD_STATE_CHANGE, BUILD_STOP_SIGNAL } from './builds.ts'
import type { BuildKeys } from '../../identity/build-keys.ts'
import type { LogStore } from '../logs/log-store.ts'
import { runnerAccepts } from '../model/runner-match.ts'
import { type Assignment, type RegisterRequest, progressOf } from '../rpc/protocol.ts'
import { ClaimLost, UnknownRunner } from '../rpc/errors.ts'
import type { Job } from '../../infra/jobs.ts'
import { SignalLatch } from '../../infra/signal-latch.ts'

export type DispatchDeps = {
  ctx: BuildContext
  keys: BuildKeys
  logs: LogStore
  resolveSecret: (type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string) => Promise<string>
  /** How long a runner's claim lasts without renewal. */
  leaseMs: number
}

/** A runner may hold a long-poll this long at most (proxies and load balancers cut idle requests). */
export const MAX_WAIT_MS = 25_000

/**
 * The server side of the runner protocol: runners register, claim builds their labels accept, keep
 * their leases, report progress, log and outcome. Every call is checked against the caller: a runner
 * acts only on the builds it holds, and a key only on the runners it registered.
 */
export class RunnerDispatch {
  readonly #d: DispatchDeps

  constructor(deps: DispatchDeps) {
    this.#d = deps
  }

  get leaseMs(): number {
    return this.#d.leaseMs
  }

  async register(principal: string, req: RegisterRequest): Promise<RunnerRecord> {
    const now = this.#d.ctx.clock.now()
    const runner: RunnerRecord = { id: `runner-${randomUUID()}`, principal, name: req.name, labels: req.labels, capacity: req.capacity, executor: req.executor, version: req.version, registeredAt: now, lastSeenAt: now }
    await this.#d.ctx.store.runners.upsert(runner)
    return runner
  }

  async runner(principal: string, runnerId: string): Promise<RunnerRecord> {
    const runner = await this.#d.ctx.store.runners.get(runnerId)
    if (!runner || runner.principal !== principal) throw new UnknownRunner(runnerId)
    await this.#d.ctx.store.runners.touch(runner.id, this.#d.ctx.clock.now())
    return runner
  }

  /** Claims up to `slots` builds the runner accepts, with a fresh key for each. */
  async claim(runner: RunnerRecord, slots: number): Promise<Assignment[]> {
    const { ctx } = this.#d
    const out: Assignment[] = []
    while (out.length < slots) {
      const now = ctx.clock.now()
      const claim = await ctx.store.builds.claimNext(runner.id, now, new Date(now.getTime() + this.#d.leaseMs), (req) => runnerAccepts(runner.labels, req))
      if (!claim) break
      const build = await ctx.store.builds.get(claim.buildId)
      if (!build || build.status !== 'IN_PROGRESS') {
        await ctx.store.jobs.complete(claim.jobId, runner.id, 'failed', now)
        continue
      }
      const key = await this.#d.keys.issue(build.id)
      out.push({ jobId: claim.jobId, build, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, region: ctx.region, accountId: ctx.accountId })
    }
    return out
  }

  /**
   * Claims up to `slots` builds, waiting up to `waitMs` for one to be queued (the queued signal from
   * any server wakes it; it looks again every second too, since signals can be lost).
   */
  async next(runner: RunnerRecord, slots: number, waitMs: number, abort: AbortSignal): Promise<Assignment[]> {
    const deadline = Date.now() + Math.min(waitMs, MAX_WAIT_MS)
    const latch = new SignalLatch(this.#d.ctx.store.signals, BUILD_QUEUED_SIGNAL)
    try {
      for (;;) {
        const assignments = await this.claim(runner, slots)
        const left = deadline - Date.now()
        if (assignments.length > 0 || left <= 0 || abort.aborted) return assignments
        await latch.wait(Math.min(left, 1000), abort)
      }
    } finally {
      latch.close()
    }
  }

  /**
   * Renews the runner's claim on a job, then waits up to `waitMs` for a reason to stop (StopBuild or a
   * timeout, from any server). Returns that reason, `LOST` when the claim is gone, or undefined.
   */
  async watch(runner: RunnerRecord, jobId: string, waitMs: number, abort: AbortSignal): Promise<StopReason | 'LOST' | undefined> {
    const { ctx } = this.#d
    const job = await ctx.store.jobs.get(jobId)
    if (!job || job.kind !== 'build') return 'LOST'
    const latch = new SignalLatch(ctx.store.signals, BUILD_STOP_SIGNAL, (payload) => payload === undefined || payload === job.subjectId)
    try {
      const now = ctx.clock.now()
      if (!(await ctx.store.jobs.renew(jobId, runner.id, new Date(now.getTime() + this.#d.leaseMs), now))) return 'LOST'
      const deadline = Date.now() + Math.min(waitMs, MAX_WAIT_MS)
      for (;;) {
        const build = await ctx.store.builds.get(job.subjectId)
        if (!build || build.status !== 'IN_PROGRESS') return 'LOST'
        const left = deadline - Date.now()
        if (build.stopReason || left <= 0 || abort.aborted) return build.stopReason
        await latch.wait(Math.min(left, 1000), abort)
      }
    } finally {
      latch.close()
    }
  }

  /** The build of a job the runner holds (else `ClaimLost`). */
  async held(runner: RunnerRecord, jobId: string): Promise<{ job: Job; build: BuildRecord }> {
    const job = await this.#d.ctx.store.jobs.get(jobId)
    if (!job || job.kind !== 'build' || job.status !== 'claimed' || job.owner !== runner.id) throw new ClaimLost(jobId)
    const build = await this.#d.ctx.store.builds.get(job.subjectId)
    if (!build || build.status !== 'IN_PROGRESS') throw new ClaimLost(jobId)
    return { job, build }
  }

  /** Saves a running build's progress; a new current phase is saved with its phase-change event. */
  async update(runner: RunnerRecord, jobId: string, reported: BuildRecord): Promise<void> {
    const { ctx } = this.#d
    const { build: stored } = await this.held(runner, jobId)
    const build = progressOf(stored, reported)
    build.status = 'IN_PROGRESS'
    build.endTime = undefined
    if (build.currentPhase === stored.currentPhase) {
      if (!(await ctx.store.builds.save(build, 'IN_PROGRESS'))) throw new ClaimLost(jobId)
      return
    }
    const now = ctx.clock.now()
    const saved = await ctx.store.transaction(async (tx) => {
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) return false
      const detail = { 'build-id': build.id, 'project-name': build.projectName, 'build-status': build.status, 'current-phase': build.currentPhase, 'completed-phase': stored.currentPhase }
      await tx.events.append({ type: BUILD_PHASE_CHANGE, source: 'aws.codebuild', resource: buildArn(ctx, build.id), detail, at: now })
      return true
    })
    if (!saved) throw new ClaimLost(jobId)
    await ctx.bus.flush()
  }

  async appendLog(runner: RunnerRecord, jobId: string, offset: number, data: Buffer): Promise<number> {
    const { build } = await this.held(runner, jobId)
    return this.#d.logs.append(build, offset, data)
  }

  async secret(runner: RunnerRecord, jobId: string, type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string): Promise<string> {
    await this.held(runner, jobId)
    return this.#d.resolveSecret(type, reference)
  }

  async report(runner: RunnerRecord, jobId: string, report: ReportRecord): Promise<void> {
    const { build } = await this.held(runner, jobId)
    // A retried call finds its report already there.
    if (await this.#d.ctx.store.reports.get(report.arn)) return
    await this.#d.ctx.store.reports.insert({ ...report, buildId: build.id })
  }

  /**
   * Saves a build's end with its event and the job's completion, in one transaction. A retried `done`
   * whose first attempt landed finds the build finished by this runner's job and succeeds again.
   */
  async done(runner: RunnerRecord, jobId: string, reported: BuildRecord): Promise<void> {
    const { ctx } = this.#d
    const job = await ctx.store.jobs.get(jobId)
    if (job?.owner === runner.id && (job.status === 'done' || job.status === 'failed')) {
      const finished = await ctx.store.builds.get(job.subjectId)
      if (finished && finished.status !== 'IN_PROGRESS') return
    }
    const { build: stored } = await this.held(runner, jobId)
    const build = progressOf(stored, reported)
    if (build.status === 'IN_PROGRESS') build.status = 'FAULT'
    const now = ctx.clock.now()
    const saved = await ctx.store.transaction(async (tx) => {
      if (!(await tx.jobs.complete(jobId, runner.id, build.status === 'SUCCEEDED' ? 'done' : 'failed', now))) return false
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) return false
      await tx.events.append({ type: BUILD_STATE_CHANGE, source: 'aws.codebuild', resource: buildArn(ctx, build.id), detail: { 'build-id': build.id, 'project-name': build.projectName, 'build-status': build.status }, at: now })
      return true
    })
    if (!saved) throw new ClaimLost(jobId)
    await ctx.bus.flush()
    await this.#d.keys.revoke(build.id)
  }
}

