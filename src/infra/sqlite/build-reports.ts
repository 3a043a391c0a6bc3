import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { ReportRecord, ReportStore } from '../../build/records.ts'

const toRecord = (r: Record<string, unknown>): ReportRecord => ({
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

export function sqliteBuildReports(conn: Conn): ReportStore {
  return {
    insert: (r) =>
      conn.write((db) => {
        db.prepare('INSERT INTO build_reports (arn, build_id, report_group_arn, name, type, status, created_at, summary, test_cases) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(r.arn, r.buildId, r.reportGroupArn, r.name, r.type, r.status, r.createdAt.getTime(), JSON.stringify(r.summary), JSON.stringify(r.testCases))
      }),
    get: (arn) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM build_reports WHERE arn = ?').get(arn)
      return row ? toRecord(row) : undefined
    }),
    byGroup: (groupArn) => conn.read((db) => db.prepare('SELECT * FROM build_reports WHERE report_group_arn = ? ORDER BY created_at DESC').all(groupArn).map(toRecord)),
  }
}
