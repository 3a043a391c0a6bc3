import { ensureReportGroupOf } from './report-groups.ts'
import { randomUUID } from 'node:crypto'
import type { BuildRecord, ReportRecord, RunnerRecord, StopReason } from '../records.ts'
import type { BuildContext, BuildStores } from './context.ts'
import { buildArn } from './context.ts'
import { BUILD_PHASE_CHANGE, BUILD_QUEUED_SIGNAL, BUILD_STOP_SIGNAL, buildStateChanged } from './builds.ts'
import type { BuildKeys } from '../../identity/build-keys.ts'
import type { LogStore } from '../logs/log-store.ts'
import { runnerAccepts } from '../model/runner-match.ts'
import { type Assignment, type RegisterRequest, progressOf } from '../rpc/protocol.ts'
import { ClaimLost, UnknownRunner } from '../rpc/errors.ts'
import { AwsError, ValidationException } from '../../shared/errors.ts'
import { parseBuildspec } from '../model/buildspec.ts'
import type { Job } from '../../infra/jobs.ts'
import { SignalLatch } from '../../infra/signal-latch.ts'
import { processYamlLimits } from '../../shared/input-limits.ts'

export type DispatchDeps = {
  ctx: BuildContext
  keys: BuildKeys
  logs: LogStore
  resolveSecret: (type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string) => Promise<string>
  /** How long a runner's claim lasts without renewal. */
  leaseMs: number
}

/**
 * The secret references (`TYPE:reference`) a build declares, or undefined when its buildspec comes
 * from its source (then only the runner knows them).
 */
function declaredSecrets(build: BuildRecord): Set<string> | undefined {
  const s = build.settings
  const inline = s.buildspecOverride ?? s.source.buildspec
  if (!inline || !/\n|^\s*version\s*:/.test(inline)) return undefined
  const refs = new Set<string>()
  for (const v of [...(s.environment.environmentVariables ?? []), ...s.environmentVariablesOverride]) {
    if (v.type === 'PARAMETER_STORE' || v.type === 'SECRETS_MANAGER') refs.add(`${v.type}:${v.value}`)
  }
  const plan = parseBuildspec(inline, processYamlLimits()).plan
  for (const p of plan?.env.parameterStore ?? []) refs.add(`PARAMETER_STORE:${p.parameterName}`)
  for (const m of plan?.env.secretsManager ?? []) refs.add(`SECRETS_MANAGER:${m.reference}`)
  return refs
}

/**
 * The start as the server times it — QUEUED's end and PROVISIONING's start at `now` when the runner's
 * first report lands, kept as stored ever after — whatever times a runner's clock puts in its reports:
 * run timeouts are decided from it.
 */
function serverTimedStart(stored: BuildRecord, build: BuildRecord, now: Date): BuildRecord {
  const startedAt = stored.phases.find((p) => p.phaseType === 'QUEUED')?.endTime ?? now
  const phases = build.phases.map((p) => (p.phaseType === 'QUEUED' ? { ...p, endTime: startedAt } : p.phaseType === 'PROVISIONING' ? { ...p, startTime: startedAt } : p))
  return { ...build, phases }
}

/** The lock a build's start and its requeue both take. */
export const buildLock = (buildId: string) => `build:${buildId}`

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
    const runner: RunnerRecord = { id: `runner-${randomUUID()}`, principal, name: req.name, labels: req.labels, capacity: req.capacity, executor: req.executor, version: req.version, images: req.images ?? [], registeredAt: now, lastSeenAt: now }
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
        // A caller gone claims nothing (it would hold builds nobody runs until their lease lapsed).
        if (abort.aborted) return []
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
        // A caller gone (or a server closing) reads nothing more.
        if (abort.aborted) return undefined
      }
    } finally {
      latch.close()
    }
  }

  /** The build of a job the runner holds, its lease unexpired (else `ClaimLost`). */
  async held(runner: RunnerRecord, jobId: string, store: Pick<BuildStores, 'jobs' | 'builds'> = this.#d.ctx.store): Promise<{ job: Job; build: BuildRecord }> {
    const job = await store.jobs.get(jobId)
    const now = this.#d.ctx.clock.now()
    if (!job || job.kind !== 'build' || job.status !== 'claimed' || job.owner !== runner.id || (job.leaseExpiresAt?.getTime() ?? 0) < now.getTime()) throw new ClaimLost(jobId)
    const build = await store.builds.get(job.subjectId)
    if (!build || build.status !== 'IN_PROGRESS') throw new ClaimLost(jobId)
    return { job, build }
  }

  /**
   * Saves a running build's progress, renewing the claim; a new current phase is saved with its
   * phase-change event. Under the build's lock, as the reconciler's requeue of a claimed-but-unstarted
   * build is: a build is either started by its runner or handed to another, never both. A report older
   * than what is stored (fewer phases) changes nothing. The start is timed by the server's clock.
   */
  async update(runner: RunnerRecord, jobId: string, reported: BuildRecord): Promise<void> {
    const { ctx } = this.#d
    const job = await ctx.store.jobs.get(jobId)
    if (!job) throw new ClaimLost(jobId)
    const now = ctx.clock.now()
    const changed = await ctx.store.transaction(async (tx) => {
      const { build: stored } = await this.held(runner, jobId, tx)
      if (!(await tx.jobs.renew(jobId, runner.id, new Date(now.getTime() + this.#d.leaseMs), now))) throw new ClaimLost(jobId)
      if (reported.phases.length < stored.phases.length) return false
      const build = serverTimedStart(stored, progressOf(stored, reported), now)
      build.status = 'IN_PROGRESS'
      build.endTime = undefined
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) throw new ClaimLost(jobId)
      if (build.currentPhase === stored.currentPhase) return false
      const detail = { 'build-id': build.id, 'project-name': build.projectName, 'build-status': build.status, 'current-phase': build.currentPhase, 'completed-phase': stored.currentPhase }
      await tx.events.append({ type: BUILD_PHASE_CHANGE, source: 'aws.codebuild', resource: buildArn(ctx, build.id), detail, at: now })
      return true
    }, { lock: buildLock(job.subjectId) })
    // The event is committed; its consumers run after the answer (the runner does not wait for them).
    if (changed) void ctx.bus.flush().catch(() => undefined)
  }

  async appendLog(runner: RunnerRecord, jobId: string, offset: number, data: Buffer): Promise<number> {
    const { build } = await this.held(runner, jobId)
    return this.#d.logs.append(build, offset, data)
  }

  /**
   * A secret a build the runner holds declares: in its project's or StartBuild's environment variables,
   * or in its buildspec when the server can read that (inline). A buildspec from the source is read on
   * the runner only, so its references cannot be checked here. Every read is in the audit log.
   */
  async secret(runner: RunnerRecord, jobId: string, type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string): Promise<string> {
    const { build } = await this.held(runner, jobId)
    const declared = declaredSecrets(build)
    if (declared && !declared.has(`${type}:${reference}`)) throw new AwsError('AccessDeniedException', `build ${build.id} does not declare ${type} ${reference}`, 403)
    await this.#d.ctx.store.audit.append({ at: this.#d.ctx.clock.now(), principal: runner.principal, action: 'codebuild:RunnerReadSecret', resource: `${type}:${reference} for ${build.id}`, requestId: jobId })
    return this.#d.resolveSecret(type, reference)
  }

  async report(runner: RunnerRecord, jobId: string, report: ReportRecord): Promise<void> {
    const { build } = await this.held(runner, jobId)
    const uuid = build.id.slice(build.projectName.length + 1)
    const prefix = `arn:aws:codebuild:${this.#d.ctx.region}:${this.#d.ctx.accountId}:report`
    if (!report.arn.startsWith(`${prefix}/`) || !report.arn.endsWith(`:${uuid}`) || !report.reportGroupArn.startsWith(`${prefix}-group/`)) {
      throw new ValidationException(`report ${report.arn} is not a report of build ${build.id}`)
    }
    // A retried call finds its report already there.
    if (await this.#d.ctx.store.reports.get(report.arn)) return
    await ensureReportGroupOf(this.#d.ctx, report)
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
    const now = ctx.clock.now()
    const build = serverTimedStart(stored, progressOf(stored, reported), now)
    if (build.status === 'IN_PROGRESS') build.status = 'FAULT'
    if (build.currentPhase !== 'COMPLETED') {
      build.currentPhase = 'COMPLETED'
      build.phases = [...build.phases, { phaseType: 'COMPLETED', startTime: now }]
    }
    build.endTime ??= now
    const saved = await ctx.store.transaction(async (tx) => {
      if (!(await tx.jobs.complete(jobId, runner.id, build.status === 'SUCCEEDED' ? 'done' : 'failed', now))) return false
      if (!(await tx.builds.save(build, 'IN_PROGRESS'))) return false
      await tx.events.append(buildStateChanged(ctx, build, now))
      return true
    })
    if (!saved) throw new ClaimLost(jobId)
    await ctx.bus.flush()
    await this.#d.keys.revoke(build.id)
  }
}

