import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { ProjectRecord, ProjectStore } from '../../build/records.ts'

const toRecord = (r: Record<string, unknown>): ProjectRecord => ({
  ...(JSON.parse(String(r.definition)) as Omit<ProjectRecord, 'createdAt' | 'lastModifiedAt'>),
  createdAt: fromMs(r.created_at),
  lastModifiedAt: fromMs(r.last_modified_at),
})

const definition = (p: ProjectRecord) => {
  const { createdAt: _c, lastModifiedAt: _m, ...rest } = p
  return JSON.stringify(rest)
}

export function sqliteBuildProjects(conn: Conn): ProjectStore {
  return {
    insert: (p) =>
      conn.write((db) => {
        db.prepare('INSERT INTO build_projects (name, definition, created_at, last_modified_at) VALUES (?, ?, ?, ?)').run(p.name, definition(p), p.createdAt.getTime(), p.lastModifiedAt.getTime())
      }),
    get: (name) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM build_projects WHERE name = ?').get(name)
      return row ? toRecord(row) : undefined
    }),
    list: () => conn.read((db) => db.prepare('SELECT * FROM build_projects ORDER BY name').all().map(toRecord)),
    update: (p) =>
      conn.write((db) => {
        db.prepare('UPDATE build_projects SET definition = ?, last_modified_at = ? WHERE name = ?').run(definition(p), p.lastModifiedAt.getTime(), p.name)
      }),
    delete: (name) => conn.write((db) => Number(db.prepare('DELETE FROM build_projects WHERE name = ?').run(name).changes) > 0),
    nextBuildNumber: (name) =>
      conn.write((db) => {
        const row = db.prepare('UPDATE build_projects SET next_build_number = next_build_number + 1 WHERE name = ? RETURNING next_build_number - 1 AS n').get(name)
        return row ? Number(row.n) : 1
      }),
  }
}
