import type { Conn } from './connection.ts'
import type { TagStore } from '../tags.ts'

export function sqliteTags(conn: Conn): TagStore {
  return {
    list: (arn) => conn.read((db) => {
      const rows = db.prepare('SELECT tag_key, tag_value FROM resource_tags WHERE resource_arn = ? ORDER BY tag_key').all(arn)
      return Object.fromEntries(rows.map((r) => [String(r.tag_key), String(r.tag_value)]))
    }),
    put: (arn, tags) =>
      conn.write((db) => {
        const upsert = db.prepare('INSERT INTO resource_tags (resource_arn, tag_key, tag_value) VALUES (?, ?, ?) ON CONFLICT (resource_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value')
        for (const [k, v] of Object.entries(tags)) upsert.run(arn, k, v)
      }),
    remove: (arn, keys) =>
      conn.write((db) => {
        const del = db.prepare('DELETE FROM resource_tags WHERE resource_arn = ? AND tag_key = ?')
        for (const k of keys) del.run(arn, k)
      }),
    removeAll: (arn) =>
      conn.write((db) => {
        db.prepare('DELETE FROM resource_tags WHERE resource_arn = ?').run(arn)
      }),
  }
}
