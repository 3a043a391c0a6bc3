import type { Sql } from '../sql/sql.ts'
import type { TagStore } from '../tags.ts'

export function sqlTags(sql: Sql): TagStore {
  return {
    list: async (arn) => {
      const rows = await sql.all('SELECT tag_key, tag_value FROM resource_tags WHERE resource_arn = ? ORDER BY tag_key', arn)
      return Object.fromEntries(rows.map((r) => [String(r.tag_key), String(r.tag_value)]))
    },
    put: (arn, tags) => sql.atomic(async (sql) => {
      for (const [k, v] of Object.entries(tags)) {
        await sql.run('INSERT INTO resource_tags (resource_arn, tag_key, tag_value) VALUES (?, ?, ?) ON CONFLICT (resource_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value', arn, k, v)
      }
    }),
    remove: (arn, keys) => sql.atomic(async (sql) => {
      for (const k of keys) await sql.run('DELETE FROM resource_tags WHERE resource_arn = ? AND tag_key = ?', arn, k)
    }),
    removeAll: async (arn) => {
      await sql.run('DELETE FROM resource_tags WHERE resource_arn = ?', arn)
    },
  }
}
