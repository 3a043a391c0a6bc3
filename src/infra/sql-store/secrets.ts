import { fromMs, type Sql } from '../sql/sql.ts'
import type { SecretStore } from '../../build/records.ts'

export function sqlSecrets(sql: Sql): SecretStore {
  return {
    put: async (name, sealed, at) => {
      await sql.run('INSERT INTO secrets (name, value_sealed, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value_sealed = excluded.value_sealed, updated_at = excluded.updated_at', name, sealed, at.getTime())
    },
    get: async (name) => {
      const row = await sql.get('SELECT value_sealed FROM secrets WHERE name = ?', name)
      return row ? String(row.value_sealed) : undefined
    },
    list: async () => (await sql.all('SELECT name, updated_at FROM secrets ORDER BY name')).map((r) => ({ name: String(r.name), updatedAt: fromMs(r.updated_at) })),
    delete: async (name) => (await sql.run('DELETE FROM secrets WHERE name = ?', name)) > 0,
    putSourceCredential: async (c, overwrite) =>
      (await sql.run(`INSERT INTO source_credentials (server_type, auth_type, username, token_sealed, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (server_type) DO ${overwrite ? 'UPDATE SET auth_type = excluded.auth_type, username = excluded.username, token_sealed = excluded.token_sealed, created_at = excluded.created_at' : 'NOTHING'}`,
        c.serverType, c.authType, c.username ?? null, c.tokenSealed, c.createdAt.getTime())) === 1,
    sourceCredentials: async () => (await sql.all('SELECT * FROM source_credentials ORDER BY server_type')).map((r) => ({
      serverType: String(r.server_type), authType: String(r.auth_type), ...(r.username === null ? {} : { username: String(r.username) }), tokenSealed: String(r.token_sealed), createdAt: fromMs(r.created_at),
    })),
    deleteSourceCredential: async (serverType) => (await sql.run('DELETE FROM source_credentials WHERE server_type = ?', serverType)) > 0,
  }
}
