import type { Row, Sql } from '../sql/sql.ts'
import type { AuditEntry, AuditLog } from '../store.ts'

const toEntry = (r: Row): AuditEntry => ({
  at: new Date(Number(r.at)),
  principal: String(r.principal),
  action: String(r.action),
  resource: r.resource === null ? undefined : String(r.resource),
  requestId: String(r.request_id),
  outcome: String(r.outcome),
})

/** `LIKE` pattern for a substring, with the pattern characters escaped. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function sqlAudit(sql: Sql): AuditLog {
  return {
    append: async (e) => {
      await sql.run('INSERT INTO audit_log (at, principal, action, resource, request_id, outcome) VALUES (?, ?, ?, ?, ?, ?)', e.at.getTime(), e.principal, e.action, e.resource ?? null, e.requestId, e.outcome ?? 'ok')
    },
    recent: async (limit) => (await sql.all('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?', limit)).map(toEntry),
    query: async (f) => {
      const where: string[] = []
      const params: (string | number)[] = []
      if (f.principal !== undefined) (where.push('principal = ?'), params.push(f.principal))
      if (f.action !== undefined) (where.push("action LIKE ? ESCAPE '\\'"), params.push(containing(f.action)))
      if (f.resource !== undefined) (where.push("resource LIKE ? ESCAPE '\\'"), params.push(containing(f.resource)))
      if (f.since !== undefined) (where.push('at >= ?'), params.push(f.since.getTime()))
      if (f.until !== undefined) (where.push('at < ?'), params.push(f.until.getTime()))
      const rows = await sql.all(`SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`, ...params, f.limit)
      return rows.map(toEntry)
    },
  }
}
