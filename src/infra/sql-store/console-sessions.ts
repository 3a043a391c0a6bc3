import type { Sql } from '../sql/sql.ts'
import type { ConsoleSessionStore } from '../../web/records.ts'

export function sqlConsoleSessions(sql: Sql): ConsoleSessionStore {
  return {
    put: async (s) => {
      await sql.run('INSERT INTO console_sessions (id_hash, principal, expires_at) VALUES (?, ?, ?) ON CONFLICT (id_hash) DO UPDATE SET principal = excluded.principal, expires_at = excluded.expires_at', s.idHash, s.principal, s.expiresAt)
    },
    remove: async (idHash) => {
      await sql.run('DELETE FROM console_sessions WHERE id_hash = ?', idHash)
    },
    get: async (idHash, now) => {
      const r = await sql.get('SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?', idHash, now)
      return r ? { idHash: String(r.id_hash), principal: String(r.principal), expiresAt: Number(r.expires_at) } : undefined
    },
    addLoginToken: async (tokenHash, principal, expiresAt) => {
      await sql.run('INSERT INTO console_login_tokens (token_hash, principal, expires_at) VALUES (?, ?, ?)', tokenHash, principal, expiresAt)
    },
    redeemLoginToken: async (tokenHash, now) => {
      const row = await sql.get('DELETE FROM console_login_tokens WHERE token_hash = ? AND expires_at > ? RETURNING principal', tokenHash, now)
      return row ? String(row.principal) : undefined
    },
    prune: (now) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM console_sessions WHERE expires_at <= ?', now)
      await sql.run('DELETE FROM console_login_tokens WHERE expires_at <= ?', now)
    }),
    live: async (now) => {
      await sql.run('DELETE FROM console_sessions WHERE expires_at <= ?', now)
      return (await sql.all('SELECT * FROM console_sessions')).map((r) => ({ idHash: String(r.id_hash), principal: String(r.principal), expiresAt: Number(r.expires_at) }))
    },
  }
}
