/**
 * The state of pipeline executions, as the pure engine sees it. Times are epoch milliseconds (the
 * model never reads a clock: callers pass `now`), ids come from a supplier the caller passes in.
 */

export type ExecutionStatus = 'InProgress' | 'Stopping' | 'Stopped' | 'Succeeded' | 'Superseded' | 'Failed' | 'Cancelled'
export type StageStatus = 'InProgress' | 'Stopping' | 'Stopped' | 'Succeeded' | 'Failed' | 'Cancelled'
export type ActionStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Abandoned'
export type ExecutionMode = 'SUPERSEDED' | 'QUEUED' | 'PARALLEL'

export type ArtifactLocation = { name: string; bucket: string; key: string }

export type ActionRun = {
  actionExecutionId: string
  /** Which stage attempt this run belongs to (1 for the first pass, +1 per retry). */
  stageAttempt: number
  status: ActionStatus
  startTime: number
  lastUpdateTime: number
  summary?: string
  externalExecutionId?: string
  externalExecutionUrl?: string
  /** Manual approval: the token PutApprovalResult must quote. */
  token?: string
  errorDetails?: { code: string; message: string }
  resolvedConfiguration: Record<string, string>
  /** Compute/Commands: the action's commands with `#{…}` variables resolved. */
  resolvedCommands?: string[]
  inputArtifacts: ArtifactLocation[]
  outputArtifacts: ArtifactLocation[]
  outputVariables: Record<string, string>
}

export type StageRetryMode = 'FAILED_ACTIONS' | 'ALL_ACTIONS'
export type StageRetryTrigger = 'AutomatedStageRetry' | 'ManualStageRetry'

export type StageRun = {
  status: StageStatus
  stageExecutionId: string
  attempt: number
  startTime: number
  actions: Record<string, ActionRun>
  /** Retries of this stage run so far, by who asked (GetPipelineState's retryStageMetadata). */
  autoRetries?: number
  manualRetries?: number
  latestRetryTrigger?: StageRetryTrigger
  /** Action runs a retry replaced, oldest first (ListActionExecutions shows every attempt). */
  earlier?: { actionName: string; run: ActionRun }[]
}

/** How many automatic retries a stage with `onFailure: RETRY` gets (AWS allows one). */
export const AUTO_STAGE_RETRIES = 1

/** Puts a failed or stopped stage run back in progress: FAILED_ACTIONS keeps what succeeded or still runs. */
export function rerunStage(run: StageRun, mode: StageRetryMode, trigger: StageRetryTrigger): StageRun {
  const kept = (a: ActionRun) => mode === 'FAILED_ACTIONS' && (a.status === 'Succeeded' || a.status === 'InProgress')
  const keep = Object.fromEntries(Object.entries(run.actions).filter(([, a]) => kept(a)))
  const replaced = Object.entries(run.actions).filter(([, a]) => !kept(a)).map(([actionName, a]) => ({ actionName, run: a }))
  const auto = trigger === 'AutomatedStageRetry'
  return {
    ...run,
    earlier: [...(run.earlier ?? []), ...replaced],
    status: 'InProgress',
    attempt: run.attempt + 1,
    actions: keep,
    autoRetries: (run.autoRetries ?? 0) + (auto ? 1 : 0),
    manualRetries: (run.manualRetries ?? 0) + (auto ? 0 : 1),
    latestRetryTrigger: trigger,
  }
}

/** Where an execution is: waiting in front of a stage (inbound), in a stage, or finished. */
export type Position = { kind: 'waiting'; stageIndex: number; since: number } | { kind: 'inStage'; stageIndex: number } | { kind: 'done' }

export type SourceRevision = { actionName: string; revisionId: string; revisionSummary?: string; revisionUrl?: string }

export type ExecutionTrigger = { triggerType: string; triggerDetail?: string }

export type ExecutionState = {
  id: string
  pipelineName: string
  pipelineVersion: number
  status: ExecutionStatus
  statusSummary?: string
  mode: ExecutionMode
  trigger: ExecutionTrigger
  startTime: number
  lastUpdateTime: number
  /** Pipeline-level variables (V2): start overrides applied over defaults. */
  variables: Record<string, string>
  /** StartPipelineExecution.sourceRevisions, and what a trigger decided (branch of a push). */
  sourceOverrides: { actionName: string; revisionType: string; revisionValue: string }[]
  /** What the source actions actually fetched. */
  sourceRevisions: SourceRevision[]
  position: Position
  stages: Record<string, StageRun>
  stop?: { abandon: boolean; reason?: string }
  /** A rollback execution (executionType ROLLBACK): runs only `stageName` again with `targetId`'s revisions, artifacts and variables. */
  rollback?: { targetId: string; stageName: string }
}

/** The compiled pipeline the engine runs (produced by structure validation). */
export type EngineAction = {
  name: string
  category: string
  owner: string
  provider: string
  version: string
  runOrder: number
  configuration: Record<string, string>
  inputArtifacts: string[]
  outputArtifacts: string[]
  namespace?: string
  timeoutInMinutes?: number
  commands?: string[]
  outputVariables?: string[]
}
export type EngineStage = {
  name: string
  groups: { runOrder: number; actions: EngineAction[] }[]
  /** `onFailure: { result: RETRY }`: the stage retries itself once, in this mode, before failing. */
  autoRetry?: StageRetryMode
  /** `onFailure: { result: ROLLBACK }`: a failure starts a rollback of the stage to its last success. */
  autoRollback?: boolean
}
export type EnginePipeline = {
  name: string
  version: number
  executionMode: ExecutionMode
  artifactBucket: string
  stages: EngineStage[]
}

/** Inbound transitions that are disabled, by stage name. */
export type Transitions = Record<string, { enabled: boolean; reason?: string }>

export const TERMINAL_EXECUTION: readonly ExecutionStatus[] = ['Stopped', 'Succeeded', 'Superseded', 'Failed', 'Cancelled']
export const isTerminal = (e: ExecutionState) => TERMINAL_EXECUTION.includes(e.status)

/** Why a request cannot be applied: the AWS exception name and message. */
export class EngineRefusal extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'EngineRefusal'
    this.code = code
  }
}
