import { randomUUID } from 'node:crypto'
import type { PipelineContext } from './context.ts'
import type { PipelineEngine } from './engine.ts'
import type { ActionJob, ActionProvider } from '../providers/provider.ts'
import { providerId } from '../providers/provider.ts'
import { isTerminal } from '../model/execution-types.ts'
import { ClaimLoop } from '../../infra/claim-loop.ts'

/** The signal sent when pipeline actions are dispatched (by any server), so every action worker looks for work. */
export const ACTIONS_SIGNAL = 'pipeline-actions'

export type ActionWorkerOptions = { leaseMs: number; tickMs: number; maxParallel: number; onError: (err: unknown, context: string) => void }

/**
 * Runs dispatched actions: claims `pipeline-action` jobs (leased, so a crash hands them to the next
 * process), finds the provider, and records its outcome through the engine. Its tick re-queues jobs
 * whose lease expired (a dead worker), asks providers about runs still in progress, and reconciles
 * pipelines with active executions (approval timeouts and anything else the clock decides).
 */
type ActionRef = { pipelineName: string; executionId: string; stageName: string; actionName: string; actionExecutionId: string }

export class ActionWorker {
  readonly owner = `actions-${randomUUID()}`
  readonly #ctx: PipelineContext
  readonly #engine: PipelineEngine
  readonly #providers: ActionProvider[]
  readonly #options: ActionWorkerOptions
  readonly #loop: ClaimLoop<{ id: string; subjectId: string; payload: Record<string, unknown> }>
  /** Jobs this worker is running: their leases are renewed on every tick, however long a provider takes. */
  readonly #held = new Set<string>()

  constructor(ctx: PipelineContext, engine: PipelineEngine, providers: ActionProvider[], options: Partial<ActionWorkerOptions> & Pick<ActionWorkerOptions, 'onError'>) {
    this.#ctx = ctx
    this.#engine = engine
    this.#providers = providers
    this.#options = { leaseMs: 30_000, tickMs: 1000, maxParallel: 16, ...options }
    this.#loop = new ClaimLoop({
      signals: ctx.store.signals,
      signal: ACTIONS_SIGNAL,
      maxParallel: this.#options.maxParallel,
      tickMs: this.#options.tickMs,
      claim: () => {
        const now = this.#ctx.clock.now()
        return this.#ctx.store.jobs.claim('pipeline-action', this.owner, now, new Date(now.getTime() + this.#options.leaseMs))
      },
      run: async (job) => {
        this.#held.add(job.id)
        try {
          await this.#runJob(job.id, job.payload as ActionRef)
        } finally {
          this.#held.delete(job.id)
        }
      },
      tick: () => this.#tick(),
      onError: this.#options.onError,
      what: 'pipeline actions',
    })
  }

  start(): void {
    this.#loop.start()
  }

  stop(): void {
    this.#loop.stop()
  }

  wake(): void {
    this.#loop.wake()
  }

  async #load(d: ActionRef): Promise<ActionJob | undefined> {
    const record = await this.#ctx.store.pipelines.get(d.pipelineName)
    const execution = await this.#ctx.store.pipelines.execution(d.executionId)
    if (!record || !execution) return undefined
    const pipeline = this.#engine.engineView(record)
    const action = pipeline.stages.find((s) => s.name === d.stageName)?.groups.flatMap((g) => g.actions).find((a) => a.name === d.actionName)
    const run = execution.stages[d.stageName]?.actions[d.actionName]
    if (!action || !run || run.actionExecutionId !== d.actionExecutionId) return undefined
    return { pipeline, execution, stageName: d.stageName, action, run }
  }

  async #runJob(jobId: string, d: ActionRef): Promise<void> {
    const now = () => this.#ctx.clock.now()
    const job = await this.#load(d)
    if (!job || job.run.status !== 'InProgress') {
      await this.#ctx.store.jobs.complete(jobId, this.owner, 'done', now())
      return
    }
    const provider = this.#providers.find((p) => p.matches(job.action))
    const complete = (outcome: Parameters<PipelineEngine['completeAction']>[5]) => this.#engine.completeAction(d.pipelineName, d.executionId, d.stageName, d.actionName, d.actionExecutionId, outcome)
    try {
      const outcome = provider
        ? await provider.run(job, { noteExternal: async (ext) => void (await this.#engine.noteExternal(d.pipelineName, d.executionId, d.stageName, d.actionName, d.actionExecutionId, ext)) })
        : { status: 'Failed' as const, errorDetails: { code: 'ConfigurationError', message: `Slipway has no provider for ${providerId(job.action)}` } }
      if (outcome) await complete(outcome)
      await this.#ctx.store.jobs.complete(jobId, this.owner, 'done', now())
    } catch (err) {
      this.#options.onError(err, `action ${d.stageName}/${d.actionName} of ${d.executionId}`)
      await complete({ status: 'Failed', errorDetails: { code: 'JobFailed', message: (err as Error).message }, summary: 'Internal error' })
      await this.#ctx.store.jobs.complete(jobId, this.owner, 'failed', now())
    }
  }

  async #tick(): Promise<void> {
    const now = this.#ctx.clock.now()
    for (const id of this.#held) await this.#ctx.store.jobs.renew(id, this.owner, new Date(now.getTime() + this.#options.leaseMs), now)
    for (const job of await this.#ctx.store.jobs.expired('pipeline-action', now)) {
      if (job.attempt < job.maxAttempts) await this.#ctx.store.jobs.requeueExpired(job, now)
      else if (await this.#ctx.store.jobs.failExpired(job, now)) {
        const d = job.payload as ActionRef
        await this.#engine.completeAction(d.pipelineName, d.executionId, d.stageName, d.actionName, d.actionExecutionId, { status: 'Failed', errorDetails: { code: 'JobFailed', message: 'The action worker stopped responding' } })
      }
    }
    for (const name of await this.#ctx.store.pipelines.pipelinesWithActiveExecutions()) {
      await this.#checkRunning(name)
      await this.#engine.reconcileNow(name)
    }
  }

  /** Asks providers with a `check` about their runs still in progress (a missed completion event). */
  async #checkRunning(name: string): Promise<void> {
    for (const e of await this.#ctx.store.pipelines.activeExecutions(name)) {
      if (isTerminal(e) || e.position.kind !== 'inStage') continue
      for (const [stageName, stage] of Object.entries(e.stages)) {
        for (const [actionName, run] of Object.entries(stage.actions)) {
          if (run.status !== 'InProgress' || !run.externalExecutionId) continue
          const job = await this.#load({ pipelineName: name, executionId: e.id, stageName, actionName, actionExecutionId: run.actionExecutionId })
          const provider = job && this.#providers.find((p) => p.matches(job.action))
          const outcome = job && provider?.check ? await provider.check(job) : undefined
          if (outcome) await this.#engine.completeAction(name, e.id, stageName, actionName, run.actionExecutionId, outcome)
        }
      }
    }
  }
}
