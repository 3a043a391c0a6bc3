import type { WebhookDefinition } from './model/webhooks.ts'
import type { PipelineDeclaration, Tag } from '../protocol/models/codepipeline.types.ts'
import type { NormalizedPipeline } from './model/structure/types.ts'
import type { ExecutionState, Transitions } from './model/execution-types.ts'

/** A record as read for a change: its value and the revision a guarded save must name. */
export type Revisioned<T> = { value: T; revision: number }

export type PipelineRecord = {
  name: string
  version: number
  declaration: PipelineDeclaration
  normalized: NormalizedPipeline
  tags: Tag[]
  transitions: Transitions
  createdAt: Date
  updatedAt: Date
}

export type CustomActionTypeRecord = { category: string; provider: string; version: string; definition: Record<string, unknown>; createdAt: Date }

export type PipelineJobRecord = {
  id: string
  category: string
  owner: string
  provider: string
  version: string
  status: 'Queued' | 'Dispatched' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimedOut'
  nonce: string
  pipelineName: string
  executionId: string
  stageName: string
  actionName: string
  actionExecutionId: string
  data: Record<string, unknown>
  continuationToken?: string
  createdAt: Date
  updatedAt: Date
}

/** Store port for pipelines, their executions and custom action jobs. */
/** A CodePipeline webhook: its definition, the secret token of its URL, and when it last started the pipeline. */
export type WebhookRecord = {
  name: string
  pipelineName: string
  definition: WebhookDefinition
  token: string
  arn: string
  tags: { key: string; value: string }[]
  lastTriggered?: Date
  createdAt: Date
}

export interface PipelineStore {
  insert(p: PipelineRecord): Promise<void>
  get(name: string): Promise<PipelineRecord | undefined>
  list(): Promise<PipelineRecord[]>
  /** Replaces the definition (a new version row is kept) — or just tags/transitions. */
  update(p: PipelineRecord): Promise<void>
  delete(name: string): Promise<boolean>
  version(name: string, version: number): Promise<PipelineDeclaration | undefined>

  insertExecution(e: ExecutionState, clientRequestToken?: string): Promise<void>
  /**
   * Guarded save: writes `e` only if the stored revision is still `revision` (the one it was read
   * with), and bumps it; otherwise throws `TransactionConflict`.
   */
  saveExecution(e: ExecutionState, revision: number): Promise<void>
  execution(id: string): Promise<ExecutionState | undefined>
  /** An execution with the revision a guarded save names. */
  executionForChange(id: string): Promise<Revisioned<ExecutionState> | undefined>
  /** The pipeline's unfinished executions, oldest first, with their revisions. */
  activeForChange(pipelineName: string): Promise<Revisioned<ExecutionState>[]>
  executionByToken(pipelineName: string, token: string): Promise<ExecutionState | undefined>
  /** Executions not finished (InProgress, Stopping). */
  activeExecutions(pipelineName: string): Promise<ExecutionState[]>
  /** Newest first; only those with `status` when given. */
  executions(pipelineName: string, limit: number, offset: number, status?: string): Promise<ExecutionState[]>
  /** How many executions the pipeline has (with `status`, when given). */
  countExecutions(pipelineName: string, status?: string): Promise<number>
  /** Each pipeline's newest execution, by pipeline name (pipelines never run are absent). */
  latestExecutions(): Promise<Map<string, ExecutionState>>
  pipelinesWithActiveExecutions(): Promise<string[]>

  putCustomActionType(t: CustomActionTypeRecord): Promise<boolean>
  customActionTypes(): Promise<CustomActionTypeRecord[]>
  deleteCustomActionType(category: string, provider: string, version: string): Promise<boolean>

  /** A custom action job's record (what the job-worker API shows); its work is a `custom-action` job. */
  insertJob(job: PipelineJobRecord): Promise<void>
  job(id: string): Promise<PipelineJobRecord | undefined>
  saveJob(job: PipelineJobRecord): Promise<void>

  /** Inserts or replaces the webhook of that name. */
  putWebhook(w: WebhookRecord): Promise<void>
  webhook(name: string): Promise<WebhookRecord | undefined>
  webhookByToken(token: string): Promise<WebhookRecord | undefined>
  /** By name. */
  webhooks(): Promise<WebhookRecord[]>
  deleteWebhook(name: string): Promise<boolean>
}
