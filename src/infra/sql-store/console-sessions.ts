import type { Row, Sql } from '../sql/sql.ts'
import type { ConsoleSessionRecord, ConsoleSessionStore } from '../../web/records.ts'

const toSession = (r: Row): ConsoleSessionRecord => ({ idHash: String(r.id_hash), principal: String(r.principal), accessKeyId: String(r.access_key_id), expiresAt: Number(r.expires_at) })

export function sqlConsoleSessions(sql: Sql): ConsoleSessionStore {
  return {
    put: async (s) => {
      await sql.run(
        'INSERT INTO console_sessions (id_hash, principal, access_key_id, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (id_hash) DO UPDATE SET principal = excluded.principal, access_key_id = excluded.access_key_id, expires_at = excluded.expires_at',
        s.idHash, s.principal, s.accessKeyId, s.expiresAt,
      )
    },
    remove: async (idHash) => {
      await sql.run('DELETE FROM console_sessions WHERE id_hash = ?', idHash)
    },
    get: async (idHash, now) => {
      const r = await sql.get('SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?', idHash, now)
      return r ? toSession(r) : undefined
    },
    addLoginToken: async (tokenHash, grant, expiresAt) => {
      await sql.run('INSERT INTO console_login_tokens (token_hash, principal, access_key_id, expires_at) VALUES (?, ?, ?, ?)', tokenHash, grant.principal, grant.accessKeyId, expiresAt)
    },
    redeemLoginToken: async (tokenHash, now) => {
      const row = await sql.get('DELETE FROM console_login_tokens WHERE token_hash = ? AND expires_at > ? RETURNING principal, access_key_id', tokenHash, now)
      return row ? { principal: String(row.principal), accessKeyId: String(row.access_key_id) } : undefined
    },
    prune: (now) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM console_sessions WHERE expires_at <= ?', now)
      await sql.run('DELETE FROM console_login_tokens WHERE expires_at <= ?', now)
    }),
    live: async (now) => {
      await sql.run('DELETE FROM console_sessions WHERE expires_at <= ?', now)
      return (await sql.all('SELECT * FROM console_sessions')).map(toSession)
    },
  }
}
