import type { Sql } from '../sql/sql.ts'
import type { AuditLog } from '../store.ts'

export function sqlAudit(sql: Sql): AuditLog {
  return {
    append: async (e) => {
      await sql.run('INSERT INTO audit_log (at, principal, action, resource, request_id) VALUES (?, ?, ?, ?, ?)', e.at.getTime(), e.principal, e.action, e.resource ?? null, e.requestId)
    },
    recent: async (limit) =>
      (await sql.all('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?', limit)).map((r) => ({
        at: new Date(Number(r.at)), principal: String(r.principal), action: String(r.action), resource: r.resource === null ? undefined : String(r.resource), requestId: String(r.request_id),
      })),
  }
}
