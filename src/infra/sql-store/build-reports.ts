import { fromMs, type Row, type Sql } from '../sql/sql.ts'
import type { ReportGroupRecord, ReportRecord, ReportStore } from '../../build/records.ts'

const toRecord = (r: Row): ReportRecord => ({
  arn: String(r.arn),
  buildId: String(r.build_id),
  reportGroupArn: String(r.report_group_arn),
  name: String(r.name),
  type: String(r.type) as ReportRecord['type'],
  status: String(r.status) as ReportRecord['status'],
  createdAt: fromMs(r.created_at),
  summary: JSON.parse(String(r.summary)) as ReportRecord['summary'],
  testCases: JSON.parse(String(r.test_cases)) as ReportRecord['testCases'],
})

const toGroup = (r: Row): ReportGroupRecord => {
  const g = JSON.parse(String(r.record)) as ReportGroupRecord & { createdAt: string; lastModified: string }
  return { ...g, createdAt: new Date(g.createdAt), lastModified: new Date(g.lastModified) }
}

export function sqlBuildReports(sql: Sql): ReportStore {
  return {
    list: async () => (await sql.all('SELECT * FROM build_reports ORDER BY created_at DESC, arn')).map(toRecord),
    insertGroup: async (g) =>
      (await sql.run('INSERT INTO report_groups (arn, name, record, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING', g.arn, g.name, JSON.stringify(g), g.createdAt.getTime())) === 1,
    saveGroup: async (g) => {
      await sql.run('UPDATE report_groups SET record = ? WHERE arn = ?', JSON.stringify(g), g.arn)
    },
    group: async (arn) => {
      const row = await sql.get('SELECT record FROM report_groups WHERE arn = ?', arn)
      return row ? toGroup(row) : undefined
    },
    groups: async () => (await sql.all('SELECT record FROM report_groups ORDER BY name')).map(toGroup),
    deleteGroup: (arn) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM build_reports WHERE report_group_arn = ?', arn)
      return (await sql.run('DELETE FROM report_groups WHERE arn = ?', arn)) === 1
    }),
    insert: async (r) => {
      await sql.run('INSERT INTO build_reports (arn, build_id, report_group_arn, name, type, status, created_at, summary, test_cases) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        r.arn, r.buildId, r.reportGroupArn, r.name, r.type, r.status, r.createdAt.getTime(), JSON.stringify(r.summary), JSON.stringify(r.testCases))
    },
    get: async (arn) => {
      const row = await sql.get('SELECT * FROM build_reports WHERE arn = ?', arn)
      return row ? toRecord(row) : undefined
    },
    byGroup: async (groupArn) => (await sql.all('SELECT * FROM build_reports WHERE report_group_arn = ? ORDER BY created_at DESC, arn', groupArn)).map(toRecord),
  }
}
