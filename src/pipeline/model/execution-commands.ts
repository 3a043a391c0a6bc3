import type { EnginePipeline, ExecutionMode, ExecutionState, ExecutionTrigger } from './execution-types.ts'
import { EngineRefusal, isTerminal, rerunStage } from './execution-types.ts'

/** A new execution, waiting in front of the first stage. */
export function newExecution(p: EnginePipeline, args: {
  id: string
  trigger: ExecutionTrigger
  variables: Record<string, string>
  sourceOverrides?: ExecutionState['sourceOverrides']
  now: number
}): ExecutionState {
  return {
    id: args.id,
    pipelineName: p.name,
    pipelineVersion: p.version,
    status: 'InProgress',
    mode: p.executionMode as ExecutionMode,
    trigger: args.trigger,
    startTime: args.now,
    lastUpdateTime: args.now,
    variables: args.variables,
    sourceOverrides: args.sourceOverrides ?? [],
    sourceRevisions: [],
    position: { kind: 'waiting', stageIndex: 0, since: args.now },
    stages: {},
  }
}

/**
 * RollbackStage (and `onFailure: ROLLBACK`): a new ROLLBACK execution that runs `stageName` again with
 * the target execution's source revisions, variables and earlier stages' artifacts, and ends there. AWS's
 * refusals: not a source stage, a target of the current pipeline version, not itself a rollback, and
 * successful in that stage.
 */
export function newRollbackExecution(p: EnginePipeline, target: ExecutionState, stageName: string, args: { id: string; trigger: ExecutionTrigger; now: number }): ExecutionState {
  const idx = p.stages.findIndex((s) => s.name === stageName)
  if (idx < 0) throw new EngineRefusal('StageNotFoundException', `Stage ${stageName} does not exist in pipeline ${p.name}`)
  if (idx === 0) throw new EngineRefusal('UnableToRollbackStageException', `Stage ${stageName} is a source stage; a source stage cannot be rolled back`)
  if (target.pipelineVersion !== p.version) throw new EngineRefusal('PipelineExecutionOutdatedException', `Execution ${target.id} ran pipeline version ${target.pipelineVersion}, not the current version ${p.version}`)
  if (target.rollback) throw new EngineRefusal('UnableToRollbackStageException', `Execution ${target.id} is a rollback execution and cannot be rolled back to`)
  if (target.stages[stageName]?.status !== 'Succeeded') throw new EngineRefusal('UnableToRollbackStageException', `Execution ${target.id} did not succeed in stage ${stageName}`)
  const earlier = Object.fromEntries(p.stages.slice(0, idx).flatMap((s) => (target.stages[s.name] ? [[s.name, structuredClone(target.stages[s.name]!)]] : [])))
  return {
    ...newExecution(p, { id: args.id, trigger: args.trigger, variables: { ...target.variables }, sourceOverrides: structuredClone(target.sourceOverrides), now: args.now }),
    sourceRevisions: structuredClone(target.sourceRevisions),
    position: { kind: 'waiting', stageIndex: idx, since: args.now },
    stages: earlier,
    rollback: { targetId: target.id, stageName },
  }
}

export type ActionOutcome = {
  status: 'Succeeded' | 'Failed'
  summary?: string
  externalExecutionId?: string
  externalExecutionUrl?: string
  errorDetails?: { code: string; message: string }
  outputVariables?: Record<string, string>
  sourceRevision?: { revisionId: string; revisionSummary?: string; revisionUrl?: string }
}

/**
 * Records an action's result. Ignored (returns false) unless that exact run is still InProgress — a
 * late or duplicate completion (e.g. after an abandon or a retry) never changes anything.
 */
export function completeAction(e: ExecutionState, stageName: string, actionName: string, actionExecutionId: string, outcome: ActionOutcome, now: number): boolean {
  const run = e.stages[stageName]?.actions[actionName]
  if (!run || run.actionExecutionId !== actionExecutionId || run.status !== 'InProgress') return false
  run.status = outcome.status
  run.lastUpdateTime = now
  run.summary = outcome.summary ?? run.summary
  run.externalExecutionId = outcome.externalExecutionId ?? run.externalExecutionId
  run.externalExecutionUrl = outcome.externalExecutionUrl ?? run.externalExecutionUrl
  run.errorDetails = outcome.errorDetails
  run.outputVariables = outcome.outputVariables ?? {}
  if (outcome.sourceRevision) {
    e.sourceRevisions = [...e.sourceRevisions.filter((s) => s.actionName !== actionName), { actionName, ...outcome.sourceRevision }]
  }
  e.lastUpdateTime = now
  return true
}

/** Notes what a running action's provider started (a build id, a deployment id). */
export function noteExternal(e: ExecutionState, stageName: string, actionName: string, actionExecutionId: string, external: { externalExecutionId?: string; externalExecutionUrl?: string; summary?: string }, now: number): boolean {
  const run = e.stages[stageName]?.actions[actionName]
  if (!run || run.actionExecutionId !== actionExecutionId || run.status !== 'InProgress') return false
  Object.assign(run, Object.fromEntries(Object.entries(external).filter(([, v]) => v !== undefined)))
  run.lastUpdateTime = now
  return true
}

/**
 * StopPipelineExecution. Stop-and-wait lets running actions finish; abandon marks them Abandoned at
 * once (the provider's work is not cancelled, as on AWS). The engine ends the execution Stopped.
 */
export function stopExecution(e: ExecutionState, abandon: boolean, reason: string | undefined, now: number): void {
  if (isTerminal(e)) throw new EngineRefusal('PipelineExecutionNotStoppableException', `Pipeline execution ${e.id} is ${e.status} and cannot be stopped`)
  if (e.status === 'Stopping' && !abandon) throw new EngineRefusal('DuplicatedStopRequestException', `Pipeline execution ${e.id} is already stopping; to stop it now, stop and abandon`)
  e.stop = { abandon, reason }
  e.status = 'Stopping'
  e.lastUpdateTime = now
  if (e.position.kind !== 'inStage') return
  const run = Object.values(e.stages).find((s) => s.status === 'InProgress' || s.status === 'Stopping')
  if (!run) return
  run.status = 'Stopping'
  if (abandon) {
    for (const a of Object.values(run.actions)) {
      if (a.status === 'InProgress') {
        a.status = 'Abandoned'
        a.lastUpdateTime = now
        a.summary = 'Abandoned by a stop request'
      }
    }
  }
}

/**
 * RetryStageExecution with AWS's refusal rules: only the latest execution that entered the stage,
 * only a Failed or Stopped stage of the current pipeline version, and (ALL_ACTIONS) nothing running.
 */
export function retryStage(p: EnginePipeline, e: ExecutionState, others: ExecutionState[], stageName: string, mode: 'FAILED_ACTIONS' | 'ALL_ACTIONS', now: number): void {
  const idx = p.stages.findIndex((s) => s.name === stageName)
  const run = e.stages[stageName]
  if (idx < 0) throw new EngineRefusal('StageNotFoundException', `Stage ${stageName} does not exist in pipeline ${p.name}`)
  if (e.pipelineVersion !== p.version) throw new EngineRefusal('StageNotRetryableException', `The pipeline structure changed since execution ${e.id} ran (version ${e.pipelineVersion}, now ${p.version}); it cannot be retried`)
  if (!run || e.position.kind !== 'inStage' || e.position.stageIndex !== idx || (run.status !== 'Failed' && run.status !== 'Stopped')) {
    throw new EngineRefusal('StageNotRetryableException', `Stage ${stageName} of execution ${e.id} has no failed actions to retry`)
  }
  const newer = others.find((x) => x.id !== e.id && x.stages[stageName] && x.stages[stageName].startTime > run.startTime)
  if (newer) throw new EngineRefusal('NotLatestPipelineExecutionException', `Execution ${newer.id} ran stage ${stageName} after ${e.id}; only the latest execution can be retried`)
  if (p.executionMode !== 'PARALLEL' && others.some((x) => x.id !== e.id && x.position.kind === 'inStage' && x.position.stageIndex === idx && ['InProgress', 'Stopping'].includes(x.stages[stageName]?.status ?? ''))) {
    throw new EngineRefusal('ConflictException', `Another execution is running in stage ${stageName}`)
  }
  if (mode === 'ALL_ACTIONS' && Object.values(run.actions).some((a) => a.status === 'InProgress')) {
    throw new EngineRefusal('StageNotRetryableException', `Stage ${stageName} still has actions in progress; ALL_ACTIONS needs them finished`)
  }
  e.stages[stageName] = rerunStage(run, mode, 'ManualStageRetry')
  e.status = 'InProgress'
  e.statusSummary = undefined
  e.stop = undefined
  e.lastUpdateTime = now
}

/** PutApprovalResult: the token must be the current one of a still-waiting approval. */
export function answerApproval(e: ExecutionState, stageName: string, actionName: string, token: string, status: 'Approved' | 'Rejected', summary: string | undefined, now: number): void {
  const run = e.stages[stageName]?.actions[actionName]
  if (!run || run.token === undefined) throw new EngineRefusal('InvalidApprovalTokenException', `The approval token ${token} is not valid for ${stageName}/${actionName}`)
  if (run.token !== token) throw new EngineRefusal('InvalidApprovalTokenException', `The approval token ${token} is not valid for ${stageName}/${actionName}`)
  if (run.status !== 'InProgress') throw new EngineRefusal('ApprovalAlreadyCompletedException', `The approval for ${stageName}/${actionName} was already completed`)
  run.status = status === 'Approved' ? 'Succeeded' : 'Failed'
  run.summary = summary
  run.lastUpdateTime = now
  if (status === 'Rejected') run.errorDetails = { code: 'Rejected', message: summary ? `Rejected: ${summary}` : 'Rejected' }
  e.lastUpdateTime = now
}

/** UpdatePipeline: unfinished executions of the old structure end Cancelled. */
export function cancelForUpdate(e: ExecutionState, now: number): boolean {
  if (isTerminal(e)) return false
  e.status = 'Cancelled'
  e.statusSummary = 'The pipeline was updated; executions of the previous version were cancelled'
  for (const run of Object.values(e.stages)) {
    if (run.status === 'InProgress' || run.status === 'Stopping') run.status = 'Cancelled'
    for (const a of Object.values(run.actions)) if (a.status === 'InProgress') a.status = 'Abandoned'
  }
  e.position = { kind: 'done' }
  e.lastUpdateTime = now
  return true
}
