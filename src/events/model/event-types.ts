import type { NotifiableEvent } from './types.ts'

/** The internal event types the outbox carries (their writers live in the services). */
export const EVENT = {
  pipelineExecution: 'CodePipeline Pipeline Execution State Change',
  stageExecution: 'CodePipeline Stage Execution State Change',
  actionExecution: 'CodePipeline Action Execution State Change',
  build: 'codebuild.BuildStateChange',
  reference: 'codecommit.ReferenceUpdated',
  deployment: 'codedeploy.DeploymentStateChange',
} as const

/** Every type a notification rule can select. */
export const NOTIFIABLE_TYPES: readonly string[] = Object.values(EVENT)

export type ResourceKind = 'pipeline' | 'project' | 'repository' | 'application'

/** One CodeStar Notifications event type: its id, AWS's display name, and the events it selects. */
export type EventTypeSpec = {
  id: string
  /** `EventTypeName` as `ListEventTypes` shows it. */
  name: string
  service: 'CodePipeline' | 'CodeBuild' | 'CodeCommit' | 'CodeDeploy'
  resourceKind: ResourceKind
  /** Internal event type it reads. */
  type: string
  matches(detail: Record<string, unknown>): boolean
}

const field = (detail: Record<string, unknown>, key: string): unknown => detail[key]
const stateIs = (key: string, ...states: string[]) => (d: Record<string, unknown>) => states.includes(String(field(d, key)))
const isApproval = (d: Record<string, unknown>) => {
  const t = field(d, 'type')
  return typeof t === 'object' && t !== null && (t as Record<string, unknown>).category === 'Approval'
}

function pipelineTypes(): EventTypeSpec[] {
  const out: EventTypeSpec[] = []
  const add = (id: string, name: string, type: string, matches: EventTypeSpec['matches']) =>
    out.push({ id: `codepipeline-pipeline-${id}`, name, service: 'CodePipeline', resourceKind: 'pipeline', type, matches })
  const actionStates: [string, string, string][] = [['succeeded', 'Succeeded', 'SUCCEEDED'], ['failed', 'Failed', 'FAILED'], ['canceled', 'Canceled', 'CANCELED'], ['started', 'Started', 'STARTED']]
  for (const [suffix, label, state] of actionStates) add(`action-execution-${suffix}`, `Action execution: ${label}`, EVENT.actionExecution, stateIs('state', state))
  const stageStates: [string, string, string][] = [['started', 'Started', 'STARTED'], ['succeeded', 'Succeeded', 'SUCCEEDED'], ['resumed', 'Resumed', 'RESUMED'], ['canceled', 'Canceled', 'CANCELED'], ['failed', 'Failed', 'FAILED']]
  for (const [suffix, label, state] of stageStates) add(`stage-execution-${suffix}`, `Stage execution: ${label}`, EVENT.stageExecution, stateIs('state', state))
  const executionStates: [string, string, string[]][] = [
    ['failed', 'Failed', ['FAILED']], ['canceled', 'Canceled', ['CANCELED', 'STOPPED']], ['started', 'Started', ['STARTED']],
    ['resumed', 'Resumed', ['RESUMED']], ['succeeded', 'Succeeded', ['SUCCEEDED']], ['superseded', 'Superseded', ['SUPERSEDED']],
  ]
  for (const [suffix, label, states] of executionStates) add(`pipeline-execution-${suffix}`, `Pipeline execution: ${label}`, EVENT.pipelineExecution, stateIs('state', ...states))
  const approvals: [string, string, string][] = [['failed', 'Failed', 'FAILED'], ['needed', 'Needed', 'STARTED'], ['succeeded', 'Succeeded', 'SUCCEEDED']]
  for (const [suffix, label, state] of approvals) add(`manual-approval-${suffix}`, `Manual approval: ${label}`, EVENT.actionExecution, (d) => isApproval(d) && stateIs('state', state)(d))
  return out
}

function otherTypes(): EventTypeSpec[] {
  const build = (suffix: string, label: string, states: string[]): EventTypeSpec => ({
    id: `codebuild-project-build-state-${suffix}`, name: `Build state: ${label}`, service: 'CodeBuild', resourceKind: 'project', type: EVENT.build, matches: stateIs('build-status', ...states),
  })
  const refs = (suffix: string, label: string, event: string): EventTypeSpec => ({
    id: `codecommit-repository-branches-and-tags-${suffix}`, name: `Branches and tags: ${label}`, service: 'CodeCommit', resourceKind: 'repository', type: EVENT.reference, matches: stateIs('event', event),
  })
  const deploy = (suffix: string, label: string, states: string[]): EventTypeSpec => ({
    id: `codedeploy-application-deployment-${suffix}`, name: `Deployment: ${label}`, service: 'CodeDeploy', resourceKind: 'application', type: EVENT.deployment, matches: stateIs('state', ...states),
  })
  return [
    build('failed', 'Failed', ['FAILED', 'FAULT', 'TIMED_OUT']),
    build('succeeded', 'Succeeded', ['SUCCEEDED']),
    build('in-progress', 'In-progress', ['IN_PROGRESS']),
    build('stopped', 'Stopped', ['STOPPED']),
    refs('created', 'Created', 'referenceCreated'),
    refs('deleted', 'Deleted', 'referenceDeleted'),
    refs('updated', 'Updated', 'referenceUpdated'),
    deploy('succeeded', 'Succeeded', ['SUCCEEDED']),
    deploy('failed', 'Failed', ['FAILED']),
    deploy('started', 'Started', ['INPROGRESS', 'IN_PROGRESS', 'START']),
  ]
}

/** Every event type id a rule may name (besides `*`), in `ListEventTypes` order. */
export const EVENT_TYPES: readonly EventTypeSpec[] = Object.freeze([...pipelineTypes(), ...otherTypes()])
const BY_ID = new Map(EVENT_TYPES.map((t) => [t.id, t]))

export const eventTypeById = (id: string): EventTypeSpec | undefined => BY_ID.get(id)

/** The event type ids an event belongs to (an event may be several: an approval action is also an action). */
export function eventTypeIdsOf(event: Pick<NotifiableEvent, 'type' | 'detail'>): string[] {
  return EVENT_TYPES.filter((t) => t.type === event.type && t.matches(event.detail)).map((t) => t.id)
}

/** Whether the id (or `*`) selects the event. */
export function eventTypeSelects(id: string, event: Pick<NotifiableEvent, 'type' | 'detail'>): boolean {
  if (id === '*') return true
  const spec = BY_ID.get(id)
  return spec !== undefined && spec.type === event.type && spec.matches(event.detail)
}
