import type { Sql } from '../sql/sql.ts'
import type { BuildLogStore } from '../../build/records.ts'

const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array))

export function sqlBuildLogs(sql: Sql): BuildLogStore {
  return {
    size: async (id) => Number((await sql.get('SELECT COALESCE(MAX(end_offset), 0) AS n FROM build_log_chunks WHERE build_id = ?', id))?.n ?? 0),
    append: async (id, offset, data) => {
      await sql.run('INSERT INTO build_log_chunks (build_id, start_offset, end_offset, data) VALUES (?, ?, ?, ?)', id, offset, offset + data.length, data)
    },
    read: async (id, offset, limit) =>
      (await sql.all('SELECT start_offset, data FROM build_log_chunks WHERE build_id = ? AND end_offset > ? ORDER BY start_offset LIMIT ?', id, offset, limit))
        .map((r) => ({ offset: Number(r.start_offset), data: bytes(r.data) })),
  }
}
