import { ValidationException } from '../../shared/errors.ts'
import { EVENT, EVENT_TYPES, eventTypeById, eventTypeSelects, type ResourceKind } from './event-types.ts'
import { DETAIL_TYPES, TARGET_TYPES, type DetailType, type NotifiableEvent, type NotificationRule, type NotificationTarget, type TargetType } from './types.ts'

/**
 * The ARNs an event is about: its own resource, plus the resource a rule names for it — a build's
 * project (`…:build/proj:id` → `…:project/proj`), a deployment group's application.
 */
export function eventResources(event: Pick<NotifiableEvent, 'type' | 'resource'>): string[] {
  const arns = [event.resource]
  if (event.type === EVENT.build) {
    const m = /^(arn:[^:]+:codebuild:[^:]*:[^:]*:)build\/([^:]+):/.exec(event.resource)
    if (m) arns.push(`${m[1]}project/${m[2]}`)
  }
  if (event.type === EVENT.deployment) {
    const m = /^(arn:[^:]+:codedeploy:[^:]*:[^:]*:)deploymentgroup:([^/]+)\//.exec(event.resource)
    if (m) arns.push(`${m[1]}application:${m[2]}`)
  }
  return arns
}

/** `*` matches any run of characters (so `*` alone matches everything); everything else is literal. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 's')
  return re.test(value)
}

/** Whether an enabled rule wants this event: its resource covers the event, one of its event types selects it. */
export function ruleMatches(rule: Pick<NotificationRule, 'resource' | 'eventTypeIds' | 'status'>, event: NotifiableEvent): boolean {
  if (rule.status !== 'ENABLED') return false
  if (!eventResources(event).some((arn) => globMatches(rule.resource, arn))) return false
  return rule.eventTypeIds.some((id) => eventTypeSelects(id, event))
}

/** Rules that want the event, in the order given. */
export function matchingRules<R extends Pick<NotificationRule, 'resource' | 'eventTypeIds' | 'status'>>(rules: readonly R[], event: NotifiableEvent): R[] {
  return rules.filter((r) => ruleMatches(r, event))
}

const RESOURCE_KINDS: [RegExp, ResourceKind][] = [
  [/^arn:[^:]+:codepipeline:[^:]*:[^:]*:[^:/]+$/, 'pipeline'],
  [/^arn:[^:]+:codebuild:[^:]*:[^:]*:project\/[^:/]+$/, 'project'],
  [/^arn:[^:]+:codecommit:[^:]*:[^:]*:[^:/]+$/, 'repository'],
  [/^arn:[^:]+:codedeploy:[^:]*:[^:]*:application:[^:/]+$/, 'application'],
]

/** The kind of resource an ARN names (`undefined` for `*` patterns that span services or unknown ARNs). */
export function resourceKind(arn: string): ResourceKind | undefined {
  return RESOURCE_KINDS.find(([re]) => re.test(arn))?.[1]
}

export type RuleInput = {
  name: string
  resource: string
  eventTypeIds: string[]
  targets: (NotificationTarget & { secret?: string })[]
  detailType?: string
}

/** Validates a rule as `CreateNotificationRule` would; throws `ValidationException` with the reason. */
export function validateRuleInput(input: RuleInput): { name: string; resource: string; eventTypeIds: string[]; targets: (NotificationTarget & { secret?: string })[]; detailType: DetailType } {
  if (!/^[A-Za-z0-9\-_ ]{1,64}$/.test(input.name) || input.name.trim() !== input.name) {
    throw new ValidationException(`Rule name '${input.name}' is invalid: 1-64 letters, digits, spaces, - and _, no leading or trailing space`)
  }
  const resource = input.resource
  if (resource !== '*' && !/^arn:[^:]+:(codepipeline|codebuild|codecommit|codedeploy):[^:]*:[^:]*:.+$/.test(resource)) {
    throw new ValidationException(`Resource '${resource}' is not a CodePipeline, CodeBuild, CodeCommit or CodeDeploy ARN, or *`)
  }
  if (input.eventTypeIds.length === 0) throw new ValidationException('At least one event type id is required')
  const ids = [...new Set(input.eventTypeIds)]
  const kind = resourceKind(resource)
  for (const id of ids) {
    if (id === '*') continue
    const spec = eventTypeById(id)
    if (!spec) throw new ValidationException(`Unknown event type id '${id}' (known: ${EVENT_TYPES.map((t) => t.id).join(', ')}, or *)`)
    if (kind && spec.resourceKind !== kind) throw new ValidationException(`Event type '${id}' is about a ${spec.resourceKind}, but the resource ${resource} is a ${kind}`)
  }
  if (input.targets.length === 0) throw new ValidationException('At least one target (Webhook or Slack) is required')
  if (input.targets.length > 10) throw new ValidationException('A rule has at most 10 targets')
  for (const t of input.targets) {
    if (!(TARGET_TYPES as readonly string[]).includes(t.type)) throw new ValidationException(`Target type must be one of ${TARGET_TYPES.join(', ')}, got ${t.type}`)
    if (!/^https?:\/\/[^\s/?#]+([/?#]\S*)?$/.test(t.address)) throw new ValidationException(`Target address must be an http(s) URL, got '${t.address}'`)
    if (t.type === ('Slack' satisfies TargetType) && t.secret !== undefined) throw new ValidationException('Slack targets take no secret: Slack incoming webhooks authenticate by their URL')
    if (t.secret !== undefined && (t.secret.length < 1 || t.secret.length > 1024)) throw new ValidationException('A target secret is 1-1024 characters')
  }
  const detailType = (input.detailType ?? 'BASIC').toUpperCase()
  if (!(DETAIL_TYPES as readonly string[]).includes(detailType)) throw new ValidationException(`Detail type must be BASIC or FULL, got ${input.detailType}`)
  return { name: input.name, resource, eventTypeIds: ids, targets: input.targets, detailType: detailType as DetailType }
}
