import type { PipelineTx } from './context.ts'
import { randomBytes, randomUUID } from 'node:crypto'
import { AwsError } from '../../shared/errors.ts'
import type { PipelineRecord, Revisioned } from '../records.ts'
import type { EnginePipeline, ExecutionState } from '../model/execution-types.ts'
import { EngineRefusal, isTerminal } from '../model/execution-types.ts'
import { reconcile, type Ids } from '../model/reconcile.ts'
import * as commands from '../model/execution-commands.ts'
import { type PipelineContext, pipelineArn } from './context.ts'
import { toEnginePipeline } from './engine-pipeline.ts'
import { type ExecutionBaseline, stateChangeEvents } from './engine-events.ts'

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const ids: Ids = {
  id: () => randomUUID(),
  shortId: () => Array.from(randomBytes(7), (b) => ALNUM[b % ALNUM.length]).join(''),
}

/** How many of the newest executions an automatic rollback searches for its target. */
const ROLLBACK_SEARCH_LIMIT = 500

/** Executions that just failed in a stage with `onFailure: ROLLBACK` (rollbacks themselves never roll back). */
function failuresToRollBack(p: EnginePipeline, changed: ExecutionState[], before: Map<string, ExecutionBaseline>): { executionId: string; stageName: string }[] {
  return changed.flatMap((e) => {
    const was = before.get(e.id)?.status
    if (e.status !== 'Failed' || was === undefined || was === 'Failed' || e.rollback || e.position.kind !== 'inStage') return []
    const stage = p.stages[e.position.stageIndex]
    return stage?.autoRollback ? [{ executionId: e.id, stageName: stage.name }] : []
  })
}

export type StartArgs = {
  trigger: { triggerType: string; triggerDetail?: string }
  variables?: Record<string, string>
  sourceOverrides?: ExecutionState['sourceOverrides']
  clientRequestToken?: string
}

/** What a change sees: the pipeline, its unfinished executions, the time, and the transaction to read more. */
export type ChangeScope = {
  p: EnginePipeline
  active: ExecutionState[]
  now: number
  /** Brings a finished execution into the change (a late completion, a retry), with its revision. */
  adopt(finished: Revisioned<ExecutionState>): void
  tx: PipelineTx
}

type ChangeResult<T> = { result: T; created?: ExecutionState & { token?: string } }

/**
 * The pipeline engine service: every change to a pipeline's executions goes through here. A change
 * runs in ONE transaction that first locks the pipeline (in every process on the store), then loads
 * the pipeline and its active executions, applies a pure command, runs the pure reconciler, and
 * persists: the executions (guarded by the revision each was read with), a job per action to
 * dispatch, and an EventBridge-shaped event per status change. Events are published and the action
 * worker woken after commit. Restart recovery is `reconcileAll()`: the same path.
 */
export class PipelineEngine {
  readonly #ctx: PipelineContext

  constructor(ctx: PipelineContext) {
    this.#ctx = ctx
  }

  async pipeline(name: string, store: Pick<PipelineTx, 'pipelines'> = this.#ctx.store): Promise<PipelineRecord> {
    const p = await store.pipelines.get(name)
    if (!p) throw new AwsError('PipelineNotFoundException', `Account '${this.#ctx.accountId}' does not have a pipeline with name '${name}'`)
    return p
  }

  engineView(p: PipelineRecord): EnginePipeline {
    return toEnginePipeline(p.normalized, this.#ctx.region)
  }

  /** Runs `change` on the pipeline's active executions (plus adopted ones), then reconciles and persists. */
  async mutate<T>(name: string, change: (scope: ChangeScope) => Promise<ChangeResult<T>> | ChangeResult<T>): Promise<T> {
    const { result, dispatched, rollbacks } = await this.#ctx.store.transaction(async (tx) => {
      const record = await this.pipeline(name, tx)
      const p = this.engineView(record)
      const loaded = await tx.pipelines.activeForChange(name)
      const revisions = new Map(loaded.map((e) => [e.value.id, e.revision]))
      const active = loaded.map((e) => e.value)
      const before = new Map<string, ExecutionBaseline>(active.map((e) => [e.id, structuredClone(e)]))
      const now = this.#ctx.clock.now().getTime()
      // A finished execution a command works on joins the set with its snapshot, so only real changes count.
      const adopt = (finished: Revisioned<ExecutionState>) => {
        before.set(finished.value.id, structuredClone(finished.value))
        revisions.set(finished.value.id, finished.revision)
        active.push(finished.value)
      }
      const { result, created } = await change({ p, active, now, adopt, tx })
      if (created?.rollback) before.set(created.id, { stages: structuredClone(created.stages) })
      const all = created ? [...active, created] : active
      const touched = new Set(all.filter((e) => JSON.stringify(e) !== JSON.stringify(before.get(e.id))).map((e) => e.id))
      const r = reconcile(p, record.transitions, all.filter((e) => !isTerminal(e) || touched.has(e.id)), now, ids)
      for (const id of r.changed) touched.add(id)
      const at = new Date(now)
      for (const e of r.executions) {
        if (!touched.has(e.id)) continue
        if (created && e.id === created.id) await tx.pipelines.insertExecution(e, created.token)
        else await tx.pipelines.saveExecution(e, revisions.get(e.id) ?? 0)
        for (const ev of stateChangeEvents(p, pipelineArn(this.#ctx, name), before.get(e.id), e, at)) await tx.events.append(ev)
      }
      for (const d of r.dispatches) {
        await tx.jobs.enqueue({ id: `action:${d.actionExecutionId}`, kind: 'pipeline-action', subjectId: d.actionExecutionId, payload: { pipelineName: name, ...d }, maxAttempts: 3, at })
      }
      return { result, dispatched: r.dispatches.length > 0, rollbacks: failuresToRollBack(p, r.executions.filter((e) => touched.has(e.id)), before) }
    }, { lock: `pipeline:${name}` })
    await this.#ctx.bus.flush()
    if (dispatched) this.#ctx.wakeActions()
    for (const f of rollbacks) await this.#rollBackAfterFailure(name, f.stageName, f.executionId)
    return result
  }

  /** Reconciles one pipeline (after a transition change, on a tick, at start-up). */
  reconcileNow(name: string): Promise<void> {
    return this.mutate(name, () => ({ result: undefined }))
  }

  async reconcileAll(): Promise<void> {
    for (const name of await this.#ctx.store.pipelines.pipelinesWithActiveExecutions()) await this.reconcileNow(name)
  }

  /** Starts an execution; with a client request token, a second start with the same token returns the first. */
  async start(name: string, args: StartArgs): Promise<ExecutionState> {
    const id = await this.mutate(name, async ({ p, now, tx }) => {
      const existing = args.clientRequestToken ? await tx.pipelines.executionByToken(name, args.clientRequestToken) : undefined
      if (existing) return { result: existing.id }
      const id = ids.id()
      const record = commands.newExecution(p, { id, trigger: args.trigger, variables: args.variables ?? {}, sourceOverrides: args.sourceOverrides, now })
      return { result: id, created: Object.assign(record, { token: args.clientRequestToken }) }
    })
    return (await this.#ctx.store.pipelines.execution(id))!
  }

  /** Applies a command to one execution, mapping the engine's refusals to AWS errors. */
  onExecution<T>(name: string, executionId: string, fn: (p: EnginePipeline, e: ExecutionState, active: ExecutionState[], now: number, tx: PipelineTx) => T | Promise<T>): Promise<T> {
    return this.mutate(name, async ({ p, active, now, adopt, tx }) => {
      let e = active.find((x) => x.id === executionId)
      if (!e) {
        const stored = await tx.pipelines.executionForChange(executionId)
        if (!stored || stored.value.pipelineName !== name) throw new AwsError('PipelineExecutionNotFoundException', `Pipeline execution ${executionId} does not exist in pipeline ${name}`)
        e = stored.value
        adopt(stored)
      }
      try {
        return { result: await fn(p, e, active, now, tx) }
      } catch (err) {
        if (err instanceof EngineRefusal) throw new AwsError(err.code, err.message)
        throw err
      }
    })
  }

  completeAction(name: string, executionId: string, stageName: string, actionName: string, actionExecutionId: string, outcome: commands.ActionOutcome): Promise<boolean> {
    return this.onExecution(name, executionId, (_p, e, _a, now) => commands.completeAction(e, stageName, actionName, actionExecutionId, outcome, now))
  }

  noteExternal(name: string, executionId: string, stageName: string, actionName: string, actionExecutionId: string, external: Parameters<typeof commands.noteExternal>[4]): Promise<boolean> {
    return this.onExecution(name, executionId, (_p, e, _a, now) => commands.noteExternal(e, stageName, actionName, actionExecutionId, external, now))
  }

  stop(name: string, executionId: string, abandon: boolean, reason?: string): Promise<void> {
    return this.onExecution(name, executionId, (_p, e, _a, now) => commands.stopExecution(e, abandon, reason, now))
  }

  async retry(name: string, executionId: string, stageName: string, mode: 'FAILED_ACTIONS' | 'ALL_ACTIONS'): Promise<void> {
    await this.onExecution(name, executionId, async (p, e, active, now, tx) => {
      const recent = await tx.pipelines.executions(name, 50, 0)
      const others = [...active, ...recent.filter((r) => !active.some((a) => a.id === r.id))]
      commands.retryStage(p, e, others, stageName, mode, now)
    })
  }

  approve(name: string, executionId: string, stageName: string, actionName: string, token: string, status: 'Approved' | 'Rejected', summary?: string): Promise<void> {
    return this.onExecution(name, executionId, (_p, e, _a, now) => commands.answerApproval(e, stageName, actionName, token, status, summary, now))
  }

  /** RollbackStage: a ROLLBACK execution that runs `stageName` again as `targetId` ran it. */
  async rollback(name: string, stageName: string, targetId: string, trigger: StartArgs['trigger']): Promise<ExecutionState> {
    const id = ids.id()
    await this.mutate(name, async ({ p, now, tx }) => {
      const target = await tx.pipelines.execution(targetId)
      if (!target || target.pipelineName !== name) throw new AwsError('PipelineExecutionNotFoundException', `Pipeline execution ${targetId} does not exist in pipeline ${name}`)
      try {
        return { result: undefined, created: commands.newRollbackExecution(p, target, stageName, { id, trigger, now }) }
      } catch (err) {
        if (err instanceof EngineRefusal) throw new AwsError(err.code, err.message)
        throw err
      }
    })
    return (await this.#ctx.store.pipelines.execution(id))!
  }

  /**
   * `onFailure: ROLLBACK`: rolls the stage back to the newest execution of the current version that
   * succeeded in it (none yet: the failure stands). A crash right here leaves the failed execution
   * Failed, never stuck; only the automatic rollback is not started.
   */
  async #rollBackAfterFailure(name: string, stageName: string, failedId: string): Promise<void> {
    const version = (await this.pipeline(name)).version
    for (let offset = 0; offset < ROLLBACK_SEARCH_LIMIT; offset += 50) {
      const page = await this.#ctx.store.pipelines.executions(name, 50, offset)
      const target = page.find((e) => e.id !== failedId && !e.rollback && e.pipelineVersion === version && e.stages[stageName]?.status === 'Succeeded')
      if (target) {
        // A refusal here (say, the pipeline changed meanwhile) leaves the failure as it is.
        await this.rollback(name, stageName, target.id, { triggerType: 'AutomatedRollback', triggerDetail: failedId }).catch((err: unknown) => {
          if (!(err instanceof AwsError)) throw err
        })
        return
      }
      if (page.length < 50) return
    }
  }

  /** UpdatePipeline/DeletePipeline: unfinished executions end Cancelled. */
  cancelActive(name: string): Promise<void> {
    return this.mutate(name, ({ active, now }) => {
      for (const e of active) commands.cancelForUpdate(e, now)
      return { result: undefined }
    })
  }
}
