import type { DomainEvent } from '../../events/outbox.ts'
import type { EnginePipeline, ExecutionState } from '../model/execution-types.ts'

const STATE: Record<string, string> = {
  InProgress: 'STARTED', Succeeded: 'SUCCEEDED', Failed: 'FAILED', Stopped: 'STOPPED', Stopping: 'STOPPING',
  Superseded: 'SUPERSEDED', Cancelled: 'CANCELED', Abandoned: 'ABANDONED',
}

export const EXECUTION_STATE_CHANGE = 'CodePipeline Pipeline Execution State Change'
export const STAGE_STATE_CHANGE = 'CodePipeline Stage Execution State Change'
export const ACTION_STATE_CHANGE = 'CodePipeline Action Execution State Change'
/** Slipway's own (no AWS counterpart, not notifiable): a pipeline's definition or a transition changed. */
export const CONFIGURATION_CHANGE = 'slipway.PipelineConfigurationChange'

/** What an execution was before a change: a full snapshot, or a rollback's copied stages (not news). */
export type ExecutionBaseline = Pick<ExecutionState, 'stages'> & { status?: ExecutionState['status'] }

/**
 * EventBridge-shaped events for every status that changed between two snapshots of an execution
 * (`detail-type` as AWS names them, detail fields as AWS sends them). `before` is undefined for a new
 * execution (a rollback's baseline holds only the stages it copied, which are not news).
 */
export function stateChangeEvents(p: EnginePipeline, arn: string, before: ExecutionBaseline | undefined, after: ExecutionState, at: Date): DomainEvent[] {
  const events: DomainEvent[] = []
  const base = { pipeline: p.name, 'execution-id': after.id, version: after.pipelineVersion }
  const push = (type: string, detail: Record<string, unknown>) => events.push({ type, source: 'aws.codepipeline', resource: arn, detail, at })
  for (const stage of p.stages) {
    const s0 = before?.stages[stage.name]
    const s1 = after.stages[stage.name]
    if (s1 && (s0?.status !== s1.status || s0?.stageExecutionId !== s1.stageExecutionId)) push(STAGE_STATE_CHANGE, { ...base, stage: stage.name, state: STATE[s1.status] ?? s1.status })
    for (const g of stage.groups) {
      for (const a of g.actions) {
        const a0 = s0?.actions[a.name]
        const a1 = s1?.actions[a.name]
        if (a1 && (a0?.status !== a1.status || a0?.actionExecutionId !== a1.actionExecutionId)) {
          push(ACTION_STATE_CHANGE, { ...base, stage: stage.name, action: a.name, 'action-execution-id': a1.actionExecutionId, state: STATE[a1.status] ?? a1.status, type: { owner: a.owner, category: a.category, provider: a.provider, version: a.version } })
        }
      }
    }
  }
  if (before?.status !== after.status) push(EXECUTION_STATE_CHANGE, { ...base, state: STATE[after.status] ?? after.status, 'execution-trigger': { 'trigger-type': after.trigger.triggerType, 'trigger-detail': after.trigger.triggerDetail } })
  return events
}
