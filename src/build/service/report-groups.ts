/**
 * CodeBuild report groups: created explicitly (CreateReportGroup) or by the first report a build
 * sends to a group with no record yet (`<project>-<name>`, as CodeBuild does); updated (export
 * configuration, tags); deleted with their reports; and their trend over the newest reports.
 */
import { CodeBuildErrors as E } from '../errors.ts'
import { AwsError } from '../../shared/errors.ts'
import type { ReportGroupRecord, ReportRecord } from '../records.ts'
import type { BuildContext } from './context.ts'

export const reportGroupArn = (ctx: Pick<BuildContext, 'region' | 'accountId'>, name: string) => `arn:aws:codebuild:${ctx.region}:${ctx.accountId}:report-group/${name}`

const NAME = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,127}$/

export function reportGroupView(g: ReportGroupRecord) {
  return { arn: g.arn, name: g.name, type: g.type, exportConfig: g.exportConfig, created: g.createdAt, lastModified: g.lastModified, tags: g.tags, status: 'ACTIVE' as const }
}

function checkTags(tags: ReportGroupRecord['tags'] | undefined): void {
  if ((tags?.length ?? 0) > 50) throw E.invalidInput(`A report group can have at most 50 tags, not ${tags?.length}`)
}

function checkExport(exportConfig: ReportGroupRecord['exportConfig']): void {
  if (exportConfig.exportConfigType === 'S3' && !exportConfig.s3Destination?.bucket) throw E.invalidInput('An S3 export configuration needs s3Destination.bucket')
}

export async function createReportGroup(ctx: BuildContext, i: { name: string; type: ReportGroupRecord['type']; exportConfig: ReportGroupRecord['exportConfig']; tags?: ReportGroupRecord['tags'] }): Promise<ReportGroupRecord> {
  if (!NAME.test(i.name)) throw E.invalidInput(`Invalid report group name: ${i.name} (2 to 128 letters, digits, - and _, starting with a letter or digit)`)
  checkExport(i.exportConfig)
  checkTags(i.tags)
  const now = ctx.clock.now()
  const g: ReportGroupRecord = { arn: reportGroupArn(ctx, i.name), name: i.name, type: i.type, exportConfig: i.exportConfig, tags: i.tags ?? [], createdAt: now, lastModified: now }
  if (!(await ctx.store.reports.insertGroup(g))) throw new AwsError('ResourceAlreadyExistsException', `Report group ${g.arn} already exists`)
  return g
}

export async function requireReportGroup(ctx: BuildContext, arn: string): Promise<ReportGroupRecord> {
  const g = await ctx.store.reports.group(arn)
  if (!g) throw new AwsError('ResourceNotFoundException', `Report group ${arn} does not exist`)
  return g
}

export async function updateReportGroup(ctx: BuildContext, i: { arn: string; exportConfig?: ReportGroupRecord['exportConfig']; tags?: ReportGroupRecord['tags'] }): Promise<ReportGroupRecord> {
  const g = await requireReportGroup(ctx, i.arn)
  if (i.exportConfig) checkExport(i.exportConfig)
  checkTags(i.tags)
  const updated = { ...g, ...(i.exportConfig ? { exportConfig: i.exportConfig } : {}), ...(i.tags ? { tags: i.tags } : {}), lastModified: ctx.clock.now() }
  await ctx.store.reports.saveGroup(updated)
  return updated
}

/** Deleting a group that still has reports needs `deleteReports`, as CodeBuild asks. */
export async function deleteReportGroup(ctx: BuildContext, arn: string, deleteReports: boolean): Promise<void> {
  const g = await ctx.store.reports.group(arn)
  if (!g) return
  const reports = await ctx.store.reports.byGroup(arn)
  if (reports.length > 0 && !deleteReports) throw E.invalidInput(`Report group ${arn} still has ${reports.length} report(s): delete them first, or pass deleteReports`)
  await ctx.store.reports.deleteGroup(arn)
}

/** The group a build's report goes to, made on its first report when nobody created it. */
export async function ensureReportGroupOf(ctx: Pick<BuildContext, 'store' | 'clock'>, report: ReportRecord): Promise<void> {
  const now = ctx.clock.now()
  const name = report.reportGroupArn.slice(report.reportGroupArn.indexOf(':report-group/') + ':report-group/'.length)
  await ctx.store.reports.insertGroup({ arn: report.reportGroupArn, name, type: report.type, exportConfig: { exportConfigType: 'NO_EXPORT' }, tags: [], createdAt: now, lastModified: now })
}

const TEST_FIELDS = ['PASS_RATE', 'DURATION', 'TOTAL'] as const

/** One report's value of a trend field (test reports: pass rate in percent, duration in ns, total cases). */
function trendValue(r: ReportRecord, field: string): number {
  const passed = r.summary.statusCounts.SUCCEEDED ?? 0
  if (field === 'PASS_RATE') return r.summary.total === 0 ? 0 : (passed / r.summary.total) * 100
  if (field === 'DURATION') return r.summary.durationInNanoSeconds
  return r.summary.total
}

const format = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2))

export async function reportGroupTrend(ctx: BuildContext, arn: string, field: string, numOfReports = 100) {
  const g = await requireReportGroup(ctx, arn)
  if (numOfReports < 1 || numOfReports > 100) throw E.invalidInput(`numOfReports must be from 1 to 100, not ${numOfReports}`)
  if (g.type === 'TEST' && !(TEST_FIELDS as readonly string[]).includes(field)) throw E.invalidInput(`Trend field ${field} does not apply to a TEST report group (${TEST_FIELDS.join(', ')})`)
  // Slipway keeps no coverage figures: a CODE_COVERAGE group's trend has no data.
  const reports = g.type === 'TEST' ? (await ctx.store.reports.byGroup(arn)).slice(0, numOfReports) : []
  const values = reports.map((r) => trendValue(r, field))
  if (values.length === 0) return { stats: {}, rawData: [] }
  const sum = values.reduce((a, b) => a + b, 0)
  return {
    stats: { average: format(sum / values.length), max: format(Math.max(...values)), min: format(Math.min(...values)) },
    rawData: reports.map((r, n) => ({ reportArn: r.arn, data: format(values[n]!) })),
  }
}
