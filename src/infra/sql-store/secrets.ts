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
  }
}
