import type { NotificationRule, RuleStatus, TargetType } from '../model/types.ts'

/** A target as stored: the webhook secret sealed with the server's `SecretBox`, never in clear. */
export type StoredTarget = { type: TargetType; address: string; secretSealed?: string }

export type NotificationRuleRecord = Omit<NotificationRule, 'targets'> & {
  id: string
  targets: StoredTarget[]
  createdAt: Date
  updatedAt: Date
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

/** One message to one target, for one event: the outbox row the deliverer works through. */
export type DeliveryRecord = {
  id: string
  ruleId: string
  ruleName: string
  targetIndex: number
  targetType: TargetType
  address: string
  eventSeq: number
  /** EventBridge `detail-type`, sent as `X-Slipway-Event`. */
  eventType: string
  eventId: string
  /** The exact request body. */
  payload: string
  /** Attempts made so far. */
  attempts: number
  nextAttemptAt: Date
  status: DeliveryStatus
  lastError?: string
  lastStatusCode?: number
  createdAt: Date
  updatedAt: Date
  deliveredAt?: Date
}

export type NewDelivery = Pick<DeliveryRecord, 'id' | 'ruleId' | 'targetIndex' | 'targetType' | 'address' | 'eventSeq' | 'eventType' | 'eventId' | 'payload' | 'createdAt'>

/**
 * Store port for notification rules and their deliveries.
 *
 * Contract: `enqueue` is idempotent per (rule, target, event): the bus delivers an event at least
 * once, so a second enqueue of the same event inserts nothing. `claim` is a guarded update (the
 * delivery is still pending with the attempt count the caller saw): only one deliverer, in any
 * process, sends a given attempt. A claim pushes `nextAttemptAt` out by a lease, so an attempt
 * whose process died is tried again once the lease has passed.
 */
export interface NotificationStore {
  /** false when a rule of that name exists. */
  createRule(rule: NotificationRuleRecord): Promise<boolean>
  listRules(): Promise<NotificationRuleRecord[]>
  getRule(name: string): Promise<NotificationRuleRecord | undefined>
  ruleById(id: string): Promise<NotificationRuleRecord | undefined>
  setRuleStatus(name: string, status: RuleStatus, at: Date): Promise<boolean>
  /** Deletes the rule and its deliveries; false when there is no such rule. */
  deleteRule(name: string): Promise<boolean>

  /** Inserts deliveries (pending, attempt 0, due at `createdAt`), skipping ones already enqueued; returns how many were new. */
  enqueue(deliveries: NewDelivery[]): Promise<number>
  /** Pending deliveries due at `now`, oldest first. */
  due(now: Date, limit: number): Promise<DeliveryRecord[]>
  /** Takes the next attempt: attempts+1 and nextAttemptAt = leaseUntil, if still pending at `attempts`. */
  claim(id: string, attempts: number, leaseUntil: Date, at: Date): Promise<boolean>
  /** Records an attempt's outcome. */
  settle(id: string, outcome: { status: DeliveryStatus; nextAttemptAt?: Date; error?: string; statusCode?: number }, at: Date): Promise<void>
  /** Most recent first. */
  deliveries(filter: { ruleName?: string; status?: DeliveryStatus; limit: number }): Promise<DeliveryRecord[]>
  /** Removes finished (delivered or failed) deliveries last updated before `before`; returns how many. */
  prune(before: Date): Promise<number>
}
