/**
 * Which events a notification rule wants, and how they are rendered. Pure functions.
 *
 * Event type ids follow AWS CodeStar Notifications (`codepipeline-pipeline-pipeline-execution-failed`,
 * `codebuild-project-build-state-succeeded`, …); `*` means every event.
 */
import type { StoredEvent } from '../outbox.ts'
import type { NotificationRule } from './records.ts'

type Matcher = { type: string; when: (detail: Record<string, unknown>) => boolean }

const state = (s: string) => (d: Record<string, unknown>) => d.state === s
const PIPELINE = 'CodePipeline Pipeline Execution State Change'
const STAGE = 'CodePipeline Stage Execution State Change'
const ACTION = 'CodePipeline Action Execution State Change'

export const EVENT_TYPES: Record<string, Matcher> = {
  'codepipeline-pipeline-pipeline-execution-started': { type: PIPELINE, when: state('STARTED') },
  'codepipeline-pipeline-pipeline-execution-succeeded': { type: PIPELINE, when: state('SUCCEEDED') },
  'codepipeline-pipeline-pipeline-execution-failed': { type: PIPELINE, when: state('FAILED') },
  'codepipeline-pipeline-pipeline-execution-canceled': { type: PIPELINE, when: state('CANCELED') },
  'codepipeline-pipeline-pipeline-execution-superseded': { type: PIPELINE, when: state('SUPERSEDED') },
  'codepipeline-pipeline-stage-execution-started': { type: STAGE, when: state('STARTED') },
  'codepipeline-pipeline-stage-execution-succeeded': { type: STAGE, when: state('SUCCEEDED') },
  'codepipeline-pipeline-stage-execution-failed': { type: STAGE, when: state('FAILED') },
  'codepipeline-pipeline-action-execution-started': { type: ACTION, when: state('STARTED') },
  'codepipeline-pipeline-action-execution-succeeded': { type: ACTION, when: state('SUCCEEDED') },
  'codepipeline-pipeline-action-execution-failed': { type: ACTION, when: state('FAILED') },
  'codepipeline-pipeline-manual-approval-needed': { type: ACTION, when: (d) => d.state === 'STARTED' && (d.type as { category?: string } | undefined)?.category === 'Approval' },
  'codepipeline-pipeline-manual-approval-succeeded': { type: ACTION, when: (d) => d.state === 'SUCCEEDED' && (d.type as { category?: string } | undefined)?.category === 'Approval' },
  'codebuild-project-build-state-in-progress': { type: 'codebuild.BuildStateChange', when: (d) => d['build-status'] === 'IN_PROGRESS' },
  'codebuild-project-build-state-succeeded': { type: 'codebuild.BuildStateChange', when: (d) => d['build-status'] === 'SUCCEEDED' },
  'codebuild-project-build-state-failed': { type: 'codebuild.BuildStateChange', when: (d) => d['build-status'] === 'FAILED' || d['build-status'] === 'TIMED_OUT' || d['build-status'] === 'FAULT' },
  'codebuild-project-build-state-stopped': { type: 'codebuild.BuildStateChange', when: (d) => d['build-status'] === 'STOPPED' },
  'codecommit-repository-branches-and-tags-created': { type: 'codecommit.ReferenceUpdated', when: (d) => d.event === 'referenceCreated' },
  'codecommit-repository-branches-and-tags-updated': { type: 'codecommit.ReferenceUpdated', when: (d) => d.event === 'referenceUpdated' },
  'codecommit-repository-branches-and-tags-deleted': { type: 'codecommit.ReferenceUpdated', when: (d) => d.event === 'referenceDeleted' },
  'codedeploy-application-deployment-started': { type: 'codedeploy.DeploymentStateChange', when: state('INPROGRESS') },
  'codedeploy-application-deployment-succeeded': { type: 'codedeploy.DeploymentStateChange', when: state('SUCCEEDED') },
  'codedeploy-application-deployment-failed': { type: 'codedeploy.DeploymentStateChange', when: (d) => d.state === 'FAILED' || d.state === 'STOPPED' },
}

/** EventBridge `detail-type` of Slipway's internal event types. */
const DETAIL_TYPES: Record<string, string> = {
  'codebuild.BuildStateChange': 'CodeBuild Build State Change',
  'codecommit.ReferenceUpdated': 'CodeCommit Repository State Change',
  'codedeploy.DeploymentStateChange': 'CodeDeploy Deployment State-change Notification',
}
export const detailType = (type: string) => DETAIL_TYPES[type] ?? type

function resourceMatches(rule: NotificationRule, event: StoredEvent): boolean {
  if (rule.resource === '*' || rule.resource === event.resource) return true
  const project = /^arn:aws[\w-]*:codebuild:[^:]*:\d*:project\/(.+)$/.exec(rule.resource)?.[1]
  return project !== undefined && event.detail['project-name'] === project
}

export function ruleMatches(rule: NotificationRule, event: StoredEvent): boolean {
  if (rule.status !== 'ENABLED' || !resourceMatches(rule, event)) return false
  return rule.eventTypeIds.some((id) => {
    if (id === '*') return true
    const m = EVENT_TYPES[id]
    return m !== undefined && m.type === event.type && m.when(event.detail)
  })
}

/** The EventBridge envelope a webhook receives. BASIC keeps the identifying detail fields only. */
export function eventBridgeBody(event: StoredEvent, id: string, account: string, region: string, full: boolean): Record<string, unknown> {
  const keep = ['pipeline', 'execution-id', 'stage', 'action', 'state', 'build-id', 'project-name', 'build-status', 'repositoryName', 'ref', 'newCommitId', 'deploymentId', 'application', 'deploymentGroup', 'event']
  const detail = full ? event.detail : Object.fromEntries(Object.entries(event.detail).filter(([k]) => keep.includes(k)))
  return { version: '0', id, 'detail-type': detailType(event.type), source: event.source, account, time: event.at.toISOString(), region, resources: [event.resource], detail }
}

const ICON: Record<string, string> = { SUCCEEDED: ':white_check_mark:', FAILED: ':x:', STARTED: ':arrow_forward:', STOPPED: ':octagonal_sign:', SUPERSEDED: ':fast_forward:', CANCELED: ':heavy_minus_sign:', IN_PROGRESS: ':arrow_forward:', INPROGRESS: ':arrow_forward:' }

/** A Slack incoming-webhook message: one readable line, with a link to the console page. */
export function slackBody(event: StoredEvent, baseUrl: string): { text: string } {
  const d = event.detail
  const status = String(d.state ?? d['build-status'] ?? d.event ?? '')
  const icon = ICON[status] ?? ':information_source:'
  let text: string
  if (d.pipeline) {
    const where = d.action ? ` action *${String(d.action)}* (stage ${String(d.stage)})` : d.stage ? ` stage *${String(d.stage)}*` : ''
    text = `${icon} Pipeline *${String(d.pipeline)}* execution \`${String(d['execution-id'])}\`${where} ${status} <${baseUrl}/#/pipelines/${encodeURIComponent(String(d.pipeline))}/executions/${String(d['execution-id'])}|open>`
  } else if (d['build-id']) {
    text = `${icon} Build \`${String(d['build-id'])}\` of *${String(d['project-name'])}* ${status} <${baseUrl}/#/builds/${encodeURIComponent(String(d['build-id']))}|open>`
  } else if (d.deploymentId) {
    text = `${icon} Deployment \`${String(d.deploymentId)}\` of *${String(d.application)}/${String(d.deploymentGroup)}* ${status}`
  } else {
    text = `${icon} ${detailType(event.type)}: ${String(d.repositoryName ?? '')} ${String(d.ref ?? '')} ${String(d.newCommitId ?? '').slice(0, 12)}`
  }
  return { text }
}

/** Seconds before retry N (1, 2, 4 … capped at 60); undefined when the delivery has failed for good. */
export function retryDelaySeconds(attempt: number, maxAttempts = 8): number | undefined {
  return attempt >= maxAttempts ? undefined : Math.min(60, 2 ** (attempt - 1))
}
