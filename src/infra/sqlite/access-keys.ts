import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { AccessKeyRecord, AccessKeyStore } from '../../identity/access-keys.ts'

const toRecord = (r: Record<string, unknown>): AccessKeyRecord => ({
  accessKeyId: String(r.access_key_id),
  userName: String(r.user_name),
  secretSealed: String(r.secret_sealed),
  status: r.status === 'Inactive' ? 'Inactive' : 'Active',
  createdAt: fromMs(r.created_at),
})

export function sqliteAccessKeys(conn: Conn): AccessKeyStore {
  return {
    insert: (k) =>
      conn.write((db) => {
        db.prepare('INSERT INTO access_keys (access_key_id, user_name, secret_sealed, status, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(k.accessKeyId, k.userName, k.secretSealed, k.status, k.createdAt.getTime())
      }),
    get: (id) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM access_keys WHERE access_key_id = ?').get(id)
      return row ? toRecord(row) : undefined
    }),
    list: () => conn.read((db) => db.prepare('SELECT * FROM access_keys ORDER BY created_at, access_key_id').all().map(toRecord)),
    delete: (id) => conn.write((db) => Number(db.prepare('DELETE FROM access_keys WHERE access_key_id = ?').run(id).changes) > 0),
  }
}
