import { fromMs, type Row, type Sql } from '../sql/sql.ts'
import type { ProjectRecord, ProjectStore } from '../../build/records.ts'

const toRecord = (r: Row): ProjectRecord => ({
  ...(JSON.parse(String(r.definition)) as Omit<ProjectRecord, 'createdAt' | 'lastModifiedAt'>),
  createdAt: fromMs(r.created_at),
  lastModifiedAt: fromMs(r.last_modified_at),
})

const definition = (p: ProjectRecord) => {
  const { createdAt: _c, lastModifiedAt: _m, ...rest } = p
  return JSON.stringify(rest)
}

export function sqlBuildProjects(sql: Sql): ProjectStore {
  return {
    insert: async (p) => {
      await sql.run('INSERT INTO build_projects (name, definition, created_at, last_modified_at) VALUES (?, ?, ?, ?)', p.name, definition(p), p.createdAt.getTime(), p.lastModifiedAt.getTime())
    },
    get: async (name) => {
      const row = await sql.get('SELECT * FROM build_projects WHERE name = ?', name)
      return row ? toRecord(row) : undefined
    },
    list: async () => (await sql.all('SELECT * FROM build_projects ORDER BY name')).map(toRecord),
    update: async (p) => {
      await sql.run('UPDATE build_projects SET definition = ?, last_modified_at = ? WHERE name = ?', definition(p), p.lastModifiedAt.getTime(), p.name)
    },
    delete: async (name) => (await sql.run('DELETE FROM build_projects WHERE name = ?', name)) > 0,
    nextBuildNumber: async (name) => {
      const row = await sql.get('UPDATE build_projects SET next_build_number = next_build_number + 1 WHERE name = ? RETURNING next_build_number - 1 AS n', name)
      return row ? Number(row.n) : 1
    },
  }
}
