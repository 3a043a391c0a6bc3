import { fromMs, type Row, type Sql } from '../sql/sql.ts'
import type { ReportRecord, ReportStore } from '../../build/records.ts'

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

export function sqlBuildReports(sql: Sql): ReportStore {
  return {
    insert: async (r) => {
      await sql.run('INSERT INTO build_reports (arn, build_id, report_group_arn, name, type, status, created_at, summary, test_cases) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        r.arn, r.buildId, r.reportGroupArn, r.name, r.type, r.status, r.createdAt.getTime(), JSON.stringify(r.summary), JSON.stringify(r.testCases))
    },
    get: async (arn) => {
      const row = await sql.get('SELECT * FROM build_reports WHERE arn = ?', arn)
      return row ? toRecord(row) : undefined
    },
    byGroup: async (groupArn) => (await sql.all('SELECT * FROM build_reports WHERE report_group_arn = ? ORDER BY created_at DESC', groupArn)).map(toRecord),
  }
}
