/**
 * Notification rules and the events they match, as the pure core sees them. Modelled on AWS CodeStar
 * Notifications (`CreateNotificationRule`): a rule names one resource (or `*`), the event type ids it
 * wants, its targets, and whether messages carry the BASIC (EventBridge event only) or FULL detail.
 */

/** An event from the outbox (structurally `StoredEvent`; the model may not import the outbox). */
export type NotifiableEvent = {
  seq: number
  /** Internal type: an EventBridge detail-type (`CodePipeline … State Change`) or `codebuild.BuildStateChange` etc. */
  type: string
  /** AWS-style source, e.g. `aws.codepipeline`. */
  source: string
  /** ARN of the resource the event is about. */
  resource: string
  detail: Record<string, unknown>
  at: Date
}

export const TARGET_TYPES = ['Webhook', 'Slack'] as const
export type TargetType = (typeof TARGET_TYPES)[number]

export const DETAIL_TYPES = ['BASIC', 'FULL'] as const
export type DetailType = (typeof DETAIL_TYPES)[number]

export const RULE_STATUSES = ['ENABLED', 'DISABLED'] as const
export type RuleStatus = (typeof RULE_STATUSES)[number]

export type NotificationTarget = { type: TargetType; address: string }

export type NotificationRule = {
  name: string
  /** `arn:aws:codestar-notifications:<region>:<account>:notificationrule/<id>` */
  arn: string
  /** A pipeline, project, repository or application ARN (`*` wildcards allowed), or `*` for every resource. */
  resource: string
  /** CodeStar event type ids (`codepipeline-pipeline-pipeline-execution-failed`, …) or `*`. */
  eventTypeIds: string[]
  targets: NotificationTarget[]
  detailType: DetailType
  status: RuleStatus
}

/** What the renderer needs besides the event: ids and where the console lives. */
export type RenderContext = {
  /** The EventBridge event id (the same for every delivery of one event). */
  eventId: string
  region: string
  accountId: string
  /** Console base URL, e.g. `http://127.0.0.1:4566` (links are `${baseUrl}/#/…`). */
  baseUrl: string
}
