import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { SecretStore } from '../../build/records.ts'

export function sqliteSecrets(conn: Conn): SecretStore {
  return {
    put: (name, sealed, at) =>
      conn.write((db) => {
        db.prepare('INSERT INTO secrets (name, value_sealed, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value_sealed = excluded.value_sealed, updated_at = excluded.updated_at').run(name, sealed, at.getTime())
      }),
    get: (name) => conn.read((db) => {
      const row = db.prepare('SELECT value_sealed FROM secrets WHERE name = ?').get(name)
      return row ? String(row.value_sealed) : undefined
    }),
    list: () => conn.read((db) => db.prepare('SELECT name, updated_at FROM secrets ORDER BY name').all().map((r) => ({ name: String(r.name), updatedAt: fromMs(r.updated_at) }))),
    delete: (name) => conn.write((db) => Number(db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes) > 0),
  }
}
