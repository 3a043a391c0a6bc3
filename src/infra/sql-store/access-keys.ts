import { fromMs, type Row, type Sql } from '../sql/sql.ts'
import type { AccessKeyRecord, AccessKeyStore } from '../../identity/access-keys.ts'

const toRecord = (r: Row): AccessKeyRecord => ({
  accessKeyId: String(r.access_key_id),
  userName: String(r.user_name),
  secretSealed: String(r.secret_sealed),
  status: r.status === 'Inactive' ? 'Inactive' : 'Active',
  createdAt: fromMs(r.created_at),
})

export function sqlAccessKeys(sql: Sql): AccessKeyStore {
  return {
    insert: async (k) => {
      await sql.run('INSERT INTO access_keys (access_key_id, user_name, secret_sealed, status, created_at) VALUES (?, ?, ?, ?, ?)', k.accessKeyId, k.userName, k.secretSealed, k.status, k.createdAt.getTime())
    },
    get: async (id) => {
      const row = await sql.get('SELECT * FROM access_keys WHERE access_key_id = ?', id)
      return row ? toRecord(row) : undefined
    },
    list: async () => (await sql.all('SELECT * FROM access_keys ORDER BY created_at, access_key_id')).map(toRecord),
    delete: async (id) => (await sql.run('DELETE FROM access_keys WHERE access_key_id = ?', id)) > 0,
  }
}
