import type { Conn } from './connection.ts'
import type { ConsoleSessionStore } from '../../web/records.ts'

export function sqliteConsoleSessions(conn: Conn): ConsoleSessionStore {
  return {
    put: (s) =>
      conn.write((db) => {
        db.prepare('INSERT OR REPLACE INTO console_sessions (id_hash, principal, expires_at) VALUES (?, ?, ?)').run(s.idHash, s.principal, s.expiresAt)
      }),
    remove: (idHash) =>
      conn.write((db) => {
        db.prepare('DELETE FROM console_sessions WHERE id_hash = ?').run(idHash)
      }),
    live: (now) =>
      conn.write((db) => {
        db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?').run(now)
        return db.prepare('SELECT * FROM console_sessions').all().map((r) => ({ idHash: String(r.id_hash), principal: String(r.principal), expiresAt: Number(r.expires_at) }))
      }),
  }
}
