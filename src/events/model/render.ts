import { EVENT } from './event-types.ts'
import type { PipelineAttributes } from './pipeline-attributes.ts'
import type { DetailType, NotifiableEvent, RenderContext, TargetType } from './types.ts'

/** An event as Amazon EventBridge delivers it. */
export type EventBridgeEvent = {
  version: '0'
  id: string
  'detail-type': string
  source: string
  account: string
  time: string
  region: string
  resources: string[]
  detail: Record<string, unknown>
}

/** A FULL webhook body: the EventBridge event plus what CodeStar Notifications adds. */
export type FullEvent = EventBridgeEvent & { notificationRuleArn: string; additionalAttributes: PipelineAttributes }

export type SlackMessage = { text: string; blocks?: Record<string, unknown>[] }

const DETAIL_TYPES: Record<string, string> = {
  [EVENT.build]: 'CodeBuild Build State Change',
  [EVENT.reference]: 'CodeCommit Repository State Change',
  [EVENT.deployment]: 'CodeDeploy Deployment State-change Notification',
}

/** The EventBridge `detail-type` of an internal event type (pipeline events already use theirs). */
export const detailTypeOf = (type: string): string => DETAIL_TYPES[type] ?? type

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v))

/** The event's `detail` with the field names AWS uses for that service. */
export function awsDetail(event: NotifiableEvent, region: string): Record<string, unknown> {
  const d = event.detail
  switch (event.type) {
    case EVENT.build:
      return { 'build-status': d['build-status'], 'project-name': d['project-name'], 'build-id': event.resource, version: '1' }
    case EVENT.reference: {
      const ref = str(d.ref)
      const tag = ref.startsWith('refs/tags/')
      const out: Record<string, unknown> = {
        callerUserArn: d.callerUserArn,
        event: d.event,
        referenceFullName: ref,
        referenceName: ref.replace(/^refs\/(heads|tags)\//, ''),
        referenceType: tag ? 'tag' : 'branch',
        repositoryId: d.repositoryId,
        repositoryName: d.repositoryName,
      }
      if (d.newCommitId) out.commitId = d.newCommitId
      if (d.oldCommitId) out.oldCommitId = d.oldCommitId
      return out
    }
    case EVENT.deployment:
      return { region, deploymentId: d.deploymentId, application: d.application, deploymentGroup: d.deploymentGroup, state: d.state }
    default:
      return { ...d }
  }
}

/** EventBridge timestamps have whole seconds: `2024-05-01T12:00:00Z`. */
const ebTime = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z')

export function eventBridgeEvent(event: NotifiableEvent, ctx: RenderContext): EventBridgeEvent {
  return {
    version: '0',
    id: ctx.eventId,
    'detail-type': detailTypeOf(event.type),
    source: event.source,
    account: ctx.accountId,
    time: ebTime(event.at),
    region: ctx.region,
    resources: [event.resource],
    detail: awsDetail(event, ctx.region),
  }
}

/** The webhook body: the EventBridge event (BASIC), plus the rule ARN and additional attributes (FULL). */
export function webhookBody(event: NotifiableEvent, rule: { arn: string; detailType: DetailType }, ctx: RenderContext, attributes?: PipelineAttributes): EventBridgeEvent | FullEvent {
  const base = eventBridgeEvent(event, ctx)
  if (rule.detailType === 'BASIC') return base
  return { ...base, notificationRuleArn: rule.arn, additionalAttributes: attributes ?? {} }
}

const EMOJI: Record<string, string> = {
  FAILED: ':x:', FAULT: ':x:', TIMED_OUT: ':x:',
  SUCCEEDED: ':white_check_mark:', READY: ':white_check_mark:',
  STARTED: ':arrow_forward:', IN_PROGRESS: ':arrow_forward:', INPROGRESS: ':arrow_forward:', RESUMED: ':arrow_forward:', CREATED: ':arrow_forward:', QUEUED: ':hourglass_flowing_sand:',
  STOPPED: ':octagonal_sign:', STOPPING: ':octagonal_sign:', CANCELED: ':octagonal_sign:', ABANDONED: ':octagonal_sign:',
  SUPERSEDED: ':fast_forward:',
}
const emojiFor = (state: string): string => EMOJI[state] ?? ':information_source:'

/** Slack mrkdwn: `&`, `<` and `>` are control characters in message text. */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const bold = (s: unknown) => `*${slackEscape(str(s))}*`
const code = (s: unknown) => `\`${slackEscape(str(s))}\``
const seg = encodeURIComponent

/** Where the console shows what the event is about. */
export function consoleLink(event: NotifiableEvent, baseUrl: string): { url: string; label: string } | undefined {
  const d = event.detail
  const base = baseUrl.replace(/\/+$/, '')
  switch (event.type) {
    case EVENT.pipelineExecution:
    case EVENT.stageExecution:
    case EVENT.actionExecution:
      return { url: `${base}/#/pipelines/${seg(str(d.pipeline))}/executions/${seg(str(d['execution-id']))}`, label: 'View execution' }
    case EVENT.build:
      return { url: `${base}/#/builds/${seg(str(d['build-id']))}`, label: 'View build' }
    case EVENT.reference:
      return { url: `${base}/#/repositories/${seg(str(d.repositoryName))}`, label: 'View repository' }
    case EVENT.deployment:
      return { url: `${base}/#/deployments/${seg(str(d.deploymentId))}`, label: 'View deployment' }
    default:
      return undefined
  }
}

/** One readable line (Slack mrkdwn) saying what happened, e.g. ":x: Pipeline *seed* execution `abc` FAILED at stage Build". */
export function summaryLine(event: NotifiableEvent, attributes?: PipelineAttributes): string {
  const d = event.detail
  const state = str(d.state)
  const execution = code(d['execution-id'])
  switch (event.type) {
    case EVENT.pipelineExecution: {
      const where = state === 'FAILED' && attributes?.failedStage ? ` at stage ${slackEscape(attributes.failedStage)}` : ''
      return `${emojiFor(state)} Pipeline ${bold(d.pipeline)} execution ${execution} ${state}${where}`
    }
    case EVENT.stageExecution:
      return `${emojiFor(state)} Pipeline ${bold(d.pipeline)} stage ${bold(d.stage)} ${state} (execution ${execution})`
    case EVENT.actionExecution: {
      const type = (d.type ?? {}) as Record<string, unknown>
      if (type.category === 'Approval' && state === 'STARTED') {
        return `:raised_hand: Pipeline ${bold(d.pipeline)} is waiting for manual approval ${bold(d.action)} in stage ${bold(d.stage)} (execution ${execution})`
      }
      const why = state === 'FAILED' ? attributes?.failedActions?.find((a) => a.stage === d.stage && a.action === d.action)?.additionalInformation : undefined
      return `${emojiFor(state)} Pipeline ${bold(d.pipeline)} action ${bold(d.action)} in stage ${bold(d.stage)} ${state} (execution ${execution})${why ? `: ${slackEscape(why)}` : ''}`
    }
    case EVENT.build: {
      const status = str(d['build-status'])
      return `${emojiFor(status)} Build ${code(d['build-id'])} of project ${bold(d['project-name'])} ${status}`
    }
    case EVENT.reference: {
      const ref = str(d.ref)
      const kind = ref.startsWith('refs/tags/') ? 'tag' : 'branch'
      const name = bold(ref.replace(/^refs\/(heads|tags)\//, ''))
      const short = (c: unknown) => code(str(c).slice(0, 7))
      const what = d.event === 'referenceCreated' ? `${kind} ${name} created at ${short(d.newCommitId)}` : d.event === 'referenceDeleted' ? `${kind} ${name} deleted` : `${kind} ${name} updated to ${short(d.newCommitId)}`
      return `:bookmark: Repository ${bold(d.repositoryName)}: ${what}`
    }
    case EVENT.deployment:
      return `${emojiFor(state)} Deployment ${code(d.deploymentId)} of ${bold(d.application)} to ${bold(d.deploymentGroup)} ${state}`
    default:
      return `:information_source: ${slackEscape(detailTypeOf(event.type))} for ${slackEscape(event.resource)}`
  }
}

/** A Slack incoming-webhook message: the summary line with a console link; FULL adds why it failed and what ran. */
export function slackMessage(event: NotifiableEvent, rule: { detailType: DetailType }, ctx: RenderContext, attributes?: PipelineAttributes): SlackMessage {
  const line = summaryLine(event, attributes)
  const link = consoleLink(event, ctx.baseUrl)
  const text = link ? `${line} — <${link.url}|${link.label}>` : line
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: line } }]
  if (rule.detailType === 'FULL' && attributes) {
    const lines: string[] = []
    for (const f of attributes.failedActions ?? []) lines.push(`• ${bold(f.stage)} / ${bold(f.action)}${f.additionalInformation ? `: ${slackEscape(f.additionalInformation)}` : ''}`)
    for (const s of attributes.sourceActions ?? []) lines.push(`• source ${bold(s.sourceActionName)} at ${code(s.revisionId.slice(0, 12))}${s.revisionSummary ? ` ${slackEscape(s.revisionSummary.split('\n')[0] ?? '')}` : ''}`)
    if (lines.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } })
  }
  const context = [`${slackEscape(detailTypeOf(event.type))}`, ctx.region, ebTime(event.at)]
  if (link) context.unshift(`<${link.url}|${link.label}>`)
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] })
  return { text, blocks }
}

/** The exact body a target receives (rendered once, stored with the delivery). */
export function renderPayload(target: TargetType, event: NotifiableEvent, rule: { arn: string; detailType: DetailType }, ctx: RenderContext, attributes?: PipelineAttributes): string {
  return JSON.stringify(target === 'Slack' ? slackMessage(event, rule, ctx, attributes) : webhookBody(event, rule, ctx, attributes))
}
