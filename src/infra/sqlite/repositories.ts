import type { Conn } from './connection.ts'
import { fromMs, optString, toMs } from './connection.ts'
import { NameTaken, type RepositoryRecord, type RepositoryStore } from '../../git/records.ts'

const toRecord = (r: Record<string, unknown>): RepositoryRecord => ({
  id: String(r.id),
  name: String(r.name),
  description: optString(r.description),
  kmsKeyId: optString(r.kms_key_id),
  createdAt: fromMs(r.created_at),
  lastModifiedAt: fromMs(r.last_modified_at),
})

function uniqueName<T>(name: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (/UNIQUE constraint failed: repositories\.name/.test((err as Error).message)) throw new NameTaken(name)
    throw err
  }
}

export function sqliteRepositories(conn: Conn): RepositoryStore {
  return {
    insert: (repo) =>
      conn.write((db) =>
        uniqueName(repo.name, () => {
          db.prepare('INSERT INTO repositories (id, name, description, kms_key_id, created_at, last_modified_at) VALUES (?, ?, ?, ?, ?, ?)')
            .run(repo.id, repo.name, repo.description ?? null, repo.kmsKeyId ?? null, toMs(repo.createdAt), toMs(repo.lastModifiedAt))
        }),
      ),
    getByName: (name) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM repositories WHERE name = ?').get(name)
      return row ? toRecord(row) : undefined
    }),
    getById: (id) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM repositories WHERE id = ?').get(id)
      return row ? toRecord(row) : undefined
    }),
    list: (sortBy, order) => conn.read((db) => {
      const column = sortBy === 'lastModifiedDate' ? 'last_modified_at' : 'name'
      const direction = order === 'descending' ? 'DESC' : 'ASC'
      return db.prepare(`SELECT * FROM repositories ORDER BY ${column} ${direction}, id`).all().map(toRecord)
    }),
    rename: (id, newName, at) =>
      conn.write((db) =>
        uniqueName(newName, () => {
          db.prepare('UPDATE repositories SET name = ?, last_modified_at = ? WHERE id = ?').run(newName, toMs(at), id)
        }),
      ),
    setDescription: (id, description, at) =>
      conn.write((db) => {
        db.prepare('UPDATE repositories SET description = ?, last_modified_at = ? WHERE id = ?').run(description ?? null, toMs(at), id)
      }),
    touch: (id, at) =>
      conn.write((db) => {
        db.prepare('UPDATE repositories SET last_modified_at = ? WHERE id = ?').run(toMs(at), id)
      }),
    refs: (id) => conn.read((db) =>
      new Map(db.prepare('SELECT ref, commit_id FROM repository_refs WHERE repository_id = ?').all(id).map((r) => [String(r.ref), String(r.commit_id)])),
    ),
    setRef: (id, ref, commitId) =>
      conn.write((db) => {
        if (commitId === null) db.prepare('DELETE FROM repository_refs WHERE repository_id = ? AND ref = ?').run(id, ref)
        else db.prepare('INSERT INTO repository_refs (repository_id, ref, commit_id) VALUES (?, ?, ?) ON CONFLICT (repository_id, ref) DO UPDATE SET commit_id = excluded.commit_id').run(id, ref, commitId)
      }),
    delete: (id) =>
      conn.write((db) => {
        db.prepare('DELETE FROM repositories WHERE id = ?').run(id)
      }),
  }
}
