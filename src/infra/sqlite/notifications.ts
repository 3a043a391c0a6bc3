import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { Delivery, NotificationRule, NotificationStore } from '../../events/webhooks/records.ts'

const toRule = (r: Record<string, unknown>): NotificationRule => ({
  name: String(r.name), resource: String(r.resource), eventTypeIds: JSON.parse(String(r.event_type_ids)), targets: JSON.parse(String(r.targets)),
  detailType: String(r.detail_type) as NotificationRule['detailType'], status: String(r.status) as NotificationRule['status'], createdAt: fromMs(r.created_at),
})
const toDelivery = (r: Record<string, unknown>): Delivery => ({
  id: String(r.id), ruleName: String(r.rule_name), targetType: String(r.target_type) as Delivery['targetType'], address: String(r.address),
  secretSealed: r.secret_sealed === null ? undefined : String(r.secret_sealed), eventType: String(r.event_type), payload: String(r.payload), attempt: Number(r.attempt),
  nextAttemptAt: fromMs(r.next_attempt_at), status: String(r.status) as Delivery['status'], lastError: r.last_error === null ? undefined : String(r.last_error),
  createdAt: fromMs(r.created_at), updatedAt: fromMs(r.updated_at),
})

export function sqliteNotifications(conn: Conn): NotificationStore {
  return {
    putRule: (r) => conn.write((db) => Number(db.prepare('INSERT OR IGNORE INTO notification_rules (name, resource, event_type_ids, targets, detail_type, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.name, r.resource, JSON.stringify(r.eventTypeIds), JSON.stringify(r.targets), r.detailType, r.status, r.createdAt.getTime()).changes) === 1),
    rules: () => conn.read((db) => db.prepare('SELECT * FROM notification_rules ORDER BY name').all().map(toRule)),
    deleteRule: (name) => conn.write((db) => Number(db.prepare('DELETE FROM notification_rules WHERE name = ?').run(name).changes) === 1),
    insertDelivery: (d) => conn.write((db) => {
      db.prepare('INSERT INTO notification_deliveries (id, rule_name, target_type, address, secret_sealed, event_type, payload, attempt, next_attempt_at, status, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(d.id, d.ruleName, d.targetType, d.address, d.secretSealed ?? null, d.eventType, d.payload, d.attempt, d.nextAttemptAt.getTime(), d.status, d.lastError ?? null, d.createdAt.getTime(), d.updatedAt.getTime())
    }),
    dueDeliveries: (now, limit) => conn.read((db) => db.prepare("SELECT * FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?").all(now.getTime(), limit).map(toDelivery)),
    saveDelivery: (d) => conn.write((db) => {
      db.prepare('UPDATE notification_deliveries SET attempt = ?, next_attempt_at = ?, status = ?, last_error = ?, updated_at = ? WHERE id = ?').run(d.attempt, d.nextAttemptAt.getTime(), d.status, d.lastError ?? null, d.updatedAt.getTime(), d.id)
    }),
    deliveries: (rule) => conn.read((db) => (rule === undefined
      ? db.prepare('SELECT * FROM notification_deliveries ORDER BY created_at').all()
      : db.prepare('SELECT * FROM notification_deliveries WHERE rule_name = ? ORDER BY created_at').all(rule)).map(toDelivery)),
  }
}
