export type NotificationTarget = { type: 'Webhook' | 'Slack'; address: string; secretSealed?: string }

export type NotificationRule = {
  name: string
  resource: string
  eventTypeIds: string[]
  targets: NotificationTarget[]
  detailType: 'BASIC' | 'FULL'
  status: 'ENABLED' | 'DISABLED'
  createdAt: Date
}

export type Delivery = {
  id: string
  ruleName: string
  targetType: 'Webhook' | 'Slack'
  address: string
  secretSealed?: string
  eventType: string
  payload: string
  attempt: number
  nextAttemptAt: Date
  status: 'pending' | 'delivered' | 'failed'
  lastError?: string
  createdAt: Date
  updatedAt: Date
}

/** Store port for notification rules and their delivery outbox. */
export interface NotificationStore {
  putRule(rule: NotificationRule): Promise<boolean>
  rules(): Promise<NotificationRule[]>
  deleteRule(name: string): Promise<boolean>
  insertDelivery(d: Delivery): Promise<void>
  dueDeliveries(now: Date, limit: number): Promise<Delivery[]>
  saveDelivery(d: Delivery): Promise<void>
  deliveries(ruleName?: string): Promise<Delivery[]>
}
