import { fromMs, optString, type Row, type Sql } from '../sql/sql.ts'
import type { DeliveryRecord, DeliveryStatus, NotificationRuleRecord, NotificationStore, StoredTarget } from '../../events/notifications/records.ts'
import type { DetailType, RuleStatus, TargetType } from '../../events/model/types.ts'

const toRule = (r: Row): NotificationRuleRecord => ({
  id: String(r.id),
  name: String(r.name),
  arn: String(r.arn),
  resource: String(r.resource),
  eventTypeIds: JSON.parse(String(r.event_type_ids)) as string[],
  targets: JSON.parse(String(r.targets)) as StoredTarget[],
  detailType: String(r.detail_type) as DetailType,
  status: String(r.status) as RuleStatus,
  createdAt: fromMs(r.created_at),
  updatedAt: fromMs(r.updated_at),
})

const toDelivery = (r: Row): DeliveryRecord => {
  const d: DeliveryRecord = {
    id: String(r.id),
    ruleId: String(r.rule_id),
    ruleName: String(r.rule_name),
    targetIndex: Number(r.target_index),
    targetType: String(r.target_type) as TargetType,
    address: String(r.address),
    eventSeq: Number(r.event_seq),
    eventType: String(r.event_type),
    eventId: String(r.event_id),
    payload: String(r.payload),
    attempts: Number(r.attempt),
    nextAttemptAt: fromMs(r.next_attempt_at),
    status: String(r.status) as DeliveryStatus,
    createdAt: fromMs(r.created_at),
    updatedAt: fromMs(r.updated_at),
  }
  const error = optString(r.last_error)
  if (error !== undefined) d.lastError = error
  if (r.last_status_code !== null && r.last_status_code !== undefined) d.lastStatusCode = Number(r.last_status_code)
  if (r.delivered_at !== null && r.delivered_at !== undefined) d.deliveredAt = fromMs(r.delivered_at)
  return d
}

const DELIVERY_SELECT = 'SELECT d.*, r.name AS rule_name FROM notification_deliveries d JOIN notification_rules r ON r.id = d.rule_id'

export function sqlNotifications(sql: Sql): NotificationStore {
  const ruleBy = async (column: 'name' | 'id', value: string) => {
    const row = await sql.get(`SELECT * FROM notification_rules WHERE ${column} = ?`, value)
    return row ? toRule(row) : undefined
  }
  return {
    createRule: async (r) =>
      (await sql.run('INSERT INTO notification_rules (id, name, arn, resource, event_type_ids, targets, detail_type, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
        r.id, r.name, r.arn, r.resource, JSON.stringify(r.eventTypeIds), JSON.stringify(r.targets), r.detailType, r.status, r.createdAt.getTime(), r.updatedAt.getTime())) > 0,
    listRules: async () => (await sql.all('SELECT * FROM notification_rules ORDER BY name')).map(toRule),
    getRule: (name) => ruleBy('name', name),
    ruleById: (id) => ruleBy('id', id),
    setRuleStatus: async (name, status, at) => (await sql.run('UPDATE notification_rules SET status = ?, updated_at = ? WHERE name = ?', status, at.getTime(), name)) > 0,
    deleteRule: async (name) => (await sql.run('DELETE FROM notification_rules WHERE name = ?', name)) > 0,

    enqueue: (deliveries) => sql.atomic(async (sql) => {
      let n = 0
      for (const d of deliveries) {
        const at = d.createdAt.getTime()
        n += await sql.run(`INSERT INTO notification_deliveries
          (id, rule_id, target_index, target_type, address, event_seq, event_type, event_id, payload, attempt, next_attempt_at, status, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'pending', ?, ?) ON CONFLICT (rule_id, target_index, event_seq) DO NOTHING`,
        d.id, d.ruleId, d.targetIndex, d.targetType, d.address, d.eventSeq, d.eventType, d.eventId, d.payload, at, at, at)
      }
      return n
    }),
    due: async (now, limit) =>
      (await sql.all(`${DELIVERY_SELECT} WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.created_at LIMIT ?`, now.getTime(), limit)).map(toDelivery),
    claim: async (id, attempts, leaseUntil, at) =>
      (await sql.run("UPDATE notification_deliveries SET attempt = attempt + 1, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND attempt = ?", leaseUntil.getTime(), at.getTime(), id, attempts)) > 0,
    settle: async (id, o, at) => {
      await sql.run('UPDATE notification_deliveries SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?, last_status_code = ?, updated_at = ?, delivered_at = COALESCE(?, delivered_at) WHERE id = ?',
        o.status, o.nextAttemptAt?.getTime() ?? null, o.error ?? null, o.statusCode ?? null, at.getTime(), o.status === 'delivered' ? at.getTime() : null, id)
    },
    deliveries: async (f) => {
      const where: string[] = []
      const args: (string | number)[] = []
      if (f.ruleName !== undefined) {
        where.push('r.name = ?')
        args.push(f.ruleName)
      }
      if (f.status !== undefined) {
        where.push('d.status = ?')
        args.push(f.status)
      }
      const text = `${DELIVERY_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY d.created_at DESC, d.event_seq DESC, d.target_index LIMIT ?`
      return (await sql.all(text, ...args, f.limit)).map(toDelivery)
    },
    prune: (before) => sql.run("DELETE FROM notification_deliveries WHERE status <> 'pending' AND updated_at < ?", before.getTime()),
  }
}
