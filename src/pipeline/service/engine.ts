import { randomBytes, randomUUID } from 'node:crypto'
import { AwsError } from '../../shared/errors.ts'
import { KeyedMutex } from '../../shared/keyed-mutex.ts'
import type { PipelineRecord } from '../records.ts'
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

/**
 * The pipeline engine service: every change to a pipeline's executions goes through here, serialised
 * per pipeline. A change loads the pipeline and its active executions, applies a pure command, runs
 * the pure reconciler, and persists in ONE transaction: the executions, a job per action to dispatch,
 * and an EventBridge-shaped event per status change. Events are published and the action worker woken
 * after commit. Restart recovery is `reconcileAll()`: the same path.
 */
export class PipelineEngine {
  readonly #ctx: PipelineContext
  readonly #lock = new KeyedMutex()

  constructor(ctx: PipelineContext) {
    this.#ctx = ctx
  }

  async pipeline(name: string): Promise<PipelineRecord> {
    const p = await this.#ctx.store.pipelines.get(name)
    if (!p) throw new AwsError('PipelineNotFoundException', `Account '${this.#ctx.accountId}' does not have a pipeline with name '${name}'`)
    return p
  }

  engineView(p: PipelineRecord): EnginePipeline {
    return toEnginePipeline(p.normalized, this.#ctx.region)
  }

  /** Runs `change` on the pipeline's active executions (plus `extra`), then reconciles and persists. */
  mutate<T>(
    name: string,
    change: (p: EnginePipeline, active: ExecutionState[], now: number, adopt: (finished: ExecutionState) => void) => Promise<{ result: T; created?: ExecutionState & { token?: string } }> | { result: T; created?: ExecutionState & { token?: string } },
  ): Promise<T> {
    const run = this.#lock.run(name, async () => {
      const record = await this.pipeline(name)
      const p = this.engineView(record)
      const active = await this.#ctx.store.pipelines.activeExecutions(name)
      const before = new Map<string, ExecutionBaseline>(active.map((e) => [e.id, structuredClone(e)]))
      const now = this.#ctx.clock.now().getTime()
      // A finished execution a command works on joins the set with its snapshot, so only real changes count.
      const adopt = (finished: ExecutionState) => {
        before.set(finished.id, structuredClone(finished))
        active.push(finished)
      }
      const { result, created } = await change(p, active, now, adopt)
      if (created?.rollback) before.set(created.id, { stages: structuredClone(created.stages) })
      const all = created ? [...active, created] : active
      const touched = new Set(all.filter((e) => JSON.stringify(e) !== JSON.stringify(before.get(e.id))).map((e) => e.id))
      const r = reconcile(p, record.transitions, all.filter((e) => !isTerminal(e) || touched.has(e.id)), now, ids)
      for (const id of r.changed) touched.add(id)
      const at = new Date(now)
      await this.#ctx.store.transaction(async (tx) => {
        for (const e of r.executions) {
          if (!touched.has(e.id)) continue
          if (created && e.id === created.id) await tx.pipelines.insertExecution(e, created.token)
          else await tx.pipelines.saveExecution(e)
          for (const ev of stateChangeEvents(p, pipelineArn(this.#ctx, name), before.get(e.id), e, at)) await tx.events.append(ev)
        }
        for (const d of r.dispatches) {
          await tx.jobs.enqueue({ id: `action:${d.actionExecutionId}`, kind: 'pipeline-action', subjectId: d.actionExecutionId, payload: { pipelineName: name, ...d }, maxAttempts: 3, at })
        }
      })
      return { result, dispatched: r.dispatches.length > 0, rollbacks: failuresToRollBack(p, r.executions.filter((e) => touched.has(e.id)), before) }
    })
    // Publish after the pipeline's lock is released: listeners (triggers, build completions) take it too.
    return run.then(async ({ result, dispatched, rollbacks }) => {
      await this.#ctx.bus.flush()
      if (dispatched) this.#ctx.wakeActions()
      for (const f of rollbacks) await this.#rollBackAfterFailure(name, f.stageName, f.executionId)
      return result
    })
  }

  /** Reconciles one pipeline (after a transition change, on a tick, at start-up). */
  reconcileNow(name: string): Promise<void> {
    return this.mutate(name, () => ({ result: undefined }))
  }

  async reconcileAll(): Promise<void> {
    for (const name of await this.#ctx.store.pipelines.pipelinesWithActiveExecutions()) await this.reconcileNow(name)
  }

  async start(name: string, args: StartArgs): Promise<ExecutionState> {
    if (args.clientRequestToken) {
      const existing = await this.#ctx.store.pipelines.executionByToken(name, args.clientRequestToken)
      if (existing) return existing
    }
    const id = ids.id()
    await this.mutate(name, (p, _active, now) => {
      const record = commands.newExecution(p, { id, trigger: args.trigger, variables: args.variables ?? {}, sourceOverrides: args.sourceOverrides, now })
      return { result: undefined, created: Object.assign(record, { token: args.clientRequestToken }) }
    })
    return (await this.#ctx.store.pipelines.execution(id))!
  }

  /** Applies a command to one execution, mapping the engine's refusals to AWS errors. */
  onExecution<T>(name: string, executionId: string, fn: (p: EnginePipeline, e: ExecutionState, active: ExecutionState[], now: number) => T): Promise<T> {
    return this.mutate(name, async (p, active, now, adopt) => {
      let e = active.find((x) => x.id === executionId)
      if (!e) {
        const stored = await this.#ctx.store.pipelines.execution(executionId)
        if (!stored || stored.pipelineName !== name) throw new AwsError('PipelineExecutionNotFoundException', `Pipeline execution ${executionId} does not exist in pipeline ${name}`)
        e = stored
        adopt(e)
      }
      try {
        return { result: fn(p, e, active, now) }
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
    const recent = await this.#ctx.store.pipelines.executions(name, 50, 0)
    await this.onExecution(name, executionId, (p, e, active, now) => {
      const others = [...active, ...recent.filter((r) => !active.some((a) => a.id === r.id))]
      commands.retryStage(p, e, others, stageName, mode, now)
    })
  }

  approve(name: string, executionId: string, stageName: string, actionName: string, token: string, status: 'Approved' | 'Rejected', summary?: string): Promise<void> {
    return this.onExecution(name, executionId, (_p, e, _a, now) => commands.answerApproval(e, stageName, actionName, token, status, summary, now))
  }

  /** RollbackStage: a ROLLBACK execution that runs `stageName` again as `targetId` ran it. */
  async rollback(name: string, stageName: string, targetId: string, trigger: StartArgs['trigger']): Promise<ExecutionState> {
    const target = await this.#ctx.store.pipelines.execution(targetId)
    if (!target || target.pipelineName !== name) throw new AwsError('PipelineExecutionNotFoundException', `Pipeline execution ${targetId} does not exist in pipeline ${name}`)
    const id = ids.id()
    await this.mutate(name, (p, _active, now) => {
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
    return this.mutate(name, (_p, active, now) => {
      for (const e of active) commands.cancelForUpdate(e, now)
      return { result: undefined }
    })
  }
}
