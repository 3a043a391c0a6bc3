import { fromMs, type Sql } from '../sql/sql.ts'
import type { EventOutbox } from '../../events/outbox.ts'

export function sqlOutbox(sql: Sql): EventOutbox {
  return {
    append: async (e) => {
      const row = await sql.get('INSERT INTO events (type, source, resource, detail, created_at) VALUES (?, ?, ?, ?, ?) RETURNING seq', e.type, e.source, e.resource, JSON.stringify(e.detail), e.at.getTime())
      return Number(row!.seq)
    },
    unpublished: async (limit) =>
      (await sql.all('SELECT * FROM events WHERE published_at IS NULL ORDER BY seq LIMIT ?', limit)).map((r) => ({
        seq: Number(r.seq),
        type: String(r.type),
        source: String(r.source),
        resource: String(r.resource),
        detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
        at: fromMs(r.created_at),
      })),
    markPublished: async (seq, at) => {
      await sql.run('UPDATE events SET published_at = ? WHERE seq = ?', at.getTime(), seq)
    },
  }
}
