import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { EventOutbox } from '../../events/outbox.ts'

export function sqliteOutbox(conn: Conn): EventOutbox {
  return {
    append: (e) =>
      conn.write((db) =>
        Number(db.prepare('INSERT INTO events (type, source, resource, detail, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(e.type, e.source, e.resource, JSON.stringify(e.detail), e.at.getTime()).lastInsertRowid),
      ),
    unpublished: (limit) => conn.read((db) =>
      db.prepare('SELECT * FROM events WHERE published_at IS NULL ORDER BY seq LIMIT ?').all(limit).map((r) => ({
        seq: Number(r.seq),
        type: String(r.type),
        source: String(r.source),
        resource: String(r.resource),
        detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
        at: fromMs(r.created_at),
      })),
    ),
    markPublished: (seq, at) =>
      conn.write((db) => {
        db.prepare('UPDATE events SET published_at = ? WHERE seq = ?').run(at.getTime(), seq)
      }),
  }
}
