import { fromMs, isUniqueViolation, optString, toMs, type Row, type Sql } from '../sql/sql.ts'
import { NameTaken, type RepositoryRecord, type RepositoryStore } from '../../git/records.ts'

const toRecord = (r: Row): RepositoryRecord => ({
  id: String(r.id),
  name: String(r.name),
  description: optString(r.description),
  kmsKeyId: optString(r.kms_key_id),
  createdAt: fromMs(r.created_at),
  lastModifiedAt: fromMs(r.last_modified_at),
})

async function uniqueName<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (isUniqueViolation(err, 'repositories', 'name')) throw new NameTaken(name)
    throw err
  }
}

export function sqlRepositories(sql: Sql): RepositoryStore {
  return {
    insert: (repo) =>
      uniqueName(repo.name, async () => {
        await sql.run('INSERT INTO repositories (id, name, description, kms_key_id, created_at, last_modified_at) VALUES (?, ?, ?, ?, ?, ?)',
          repo.id, repo.name, repo.description ?? null, repo.kmsKeyId ?? null, toMs(repo.createdAt), toMs(repo.lastModifiedAt))
      }),
    getByName: async (name) => {
      const row = await sql.get('SELECT * FROM repositories WHERE name = ?', name)
      return row ? toRecord(row) : undefined
    },
    getById: async (id) => {
      const row = await sql.get('SELECT * FROM repositories WHERE id = ?', id)
      return row ? toRecord(row) : undefined
    },
    list: async (sortBy, order) => {
      const column = sortBy === 'lastModifiedDate' ? 'last_modified_at' : 'name'
      const direction = order === 'descending' ? 'DESC' : 'ASC'
      return (await sql.all(`SELECT * FROM repositories ORDER BY ${column} ${direction}, id`)).map(toRecord)
    },
    rename: (id, newName, at) =>
      uniqueName(newName, async () => {
        await sql.run('UPDATE repositories SET name = ?, last_modified_at = ? WHERE id = ?', newName, toMs(at), id)
      }),
    setDescription: async (id, description, at) => {
      await sql.run('UPDATE repositories SET description = ?, last_modified_at = ? WHERE id = ?', description ?? null, toMs(at), id)
    },
    touch: async (id, at) => {
      await sql.run('UPDATE repositories SET last_modified_at = ? WHERE id = ?', toMs(at), id)
    },
    refs: async (id) => new Map((await sql.all('SELECT ref, commit_id FROM repository_refs WHERE repository_id = ?', id)).map((r) => [String(r.ref), String(r.commit_id)])),
    setRef: async (id, ref, commitId) => {
      if (commitId === null) await sql.run('DELETE FROM repository_refs WHERE repository_id = ? AND ref = ?', id, ref)
      else await sql.run('INSERT INTO repository_refs (repository_id, ref, commit_id) VALUES (?, ?, ?) ON CONFLICT (repository_id, ref) DO UPDATE SET commit_id = excluded.commit_id', id, ref, commitId)
    },
    requestSync: async (id, at) => {
      await sql.run('INSERT INTO ref_sync_requests (repository_id, requested_at) VALUES (?, ?) ON CONFLICT (repository_id) DO UPDATE SET requested_at = excluded.requested_at', id, toMs(at))
    },
    clearSync: async (id, upTo) => {
      await sql.run('DELETE FROM ref_sync_requests WHERE repository_id = ? AND requested_at <= ?', id, toMs(upTo))
    },
    syncRequestedBefore: async (before) => (await sql.all('SELECT repository_id FROM ref_sync_requests WHERE requested_at < ? ORDER BY requested_at', toMs(before))).map((r) => String(r.repository_id)),
    delete: async (id) => {
      await sql.run('DELETE FROM repositories WHERE id = ?', id)
    },
  }
}
