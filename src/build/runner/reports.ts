import fs from 'node:fs'
import path from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import type { BuildRecord, ReportRecord } from '../records.ts'
import type { BuildPlan } from '../model/buildspec-types.ts'
import { reportFileSelection } from '../model/artifact-selection.ts'
import { listFiles } from './list-files.ts'

type TestCase = ReportRecord['testCases'][number]

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' || name === 'testcase' })

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])
const seconds = (v: unknown) => Math.round(Number(v ?? 0) * 1e9) || 0
const text = (v: unknown): string | undefined => {
  if (v === undefined) return undefined
  const first = Array.isArray(v) ? v[0] : v
  if (typeof first === 'string') return first
  const o = first as Record<string, unknown>
  return String(o?.message ?? o?.['#text'] ?? '')
}

/** Test cases of one JUnit XML document (`<testsuites>` or a single `<testsuite>` at the root). */
export function parseJUnit(xml: string, rawPath: string): TestCase[] {
  const doc = parser.parse(xml) as Record<string, any>
  const suites = [...list(doc.testsuites?.testsuite), ...list(doc.testsuite)]
  const cases: TestCase[] = []
  const walk = (suite: Record<string, any>) => {
    for (const c of list(suite.testcase) as Record<string, any>[]) {
      const failure = text(c.failure)
      const error = text(c.error)
      const skipped = c.skipped !== undefined
      cases.push({
        name: String(c.name ?? ''),
        prefix: String(c.classname ?? suite.name ?? ''),
        status: failure !== undefined ? 'FAILED' : error !== undefined ? 'ERROR' : skipped ? 'SKIPPED' : 'SUCCEEDED',
        durationInNanoSeconds: seconds(c.time),
        message: failure ?? error,
        testRawDataPath: rawPath,
      })
    }
    for (const nested of list(suite.testsuite)) walk(nested)
  }
  for (const s of suites) walk(s)
  return cases
}

/**
 * The buildspec's `reports`: each group's files are copied next to the build's log
 * (`<dataDir>/reports/<build uuid>/<group>/`) and, for JUnit XML, parsed into test cases. Report
 * group `name` becomes `<project>-<name>` as on AWS. Other formats are kept as files, summarised empty.
 */
export function collectReports(build: BuildRecord, plan: BuildPlan, srcDir: string, deps: { dataDir: string; region: string; accountId: string }, now: Date): ReportRecord[] {
  const uuid = build.id.slice(build.projectName.length + 1)
  const listing = listFiles(srcDir).filter((f) => f.kind === 'file').map((f) => f.path)
  const out: ReportRecord[] = []
  for (const group of plan.reports) {
    const groupName = group.isArn ? group.name.replace(/^.*:report-group\//, '') : `${build.projectName}-${group.name}`
    const groupArn = group.isArn ? group.name : `arn:aws:codebuild:${deps.region}:${deps.accountId}:report-group/${groupName}`
    const selection = reportFileSelection(listing, group)
    const keep = path.join(deps.dataDir, 'reports', uuid, groupName)
    const testCases: TestCase[] = []
    for (const f of selection.files) {
      const target = path.join(keep, f.archivePath)
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.copyFileSync(path.join(srcDir, f.sourcePath), target)
      if (group.fileFormat === 'JUNITXML') {
        try {
          testCases.push(...parseJUnit(fs.readFileSync(target, 'utf8'), f.sourcePath))
        } catch {
          // An unreadable file makes the report INCOMPLETE below.
        }
      }
    }
    const statusCounts: Record<string, number> = {}
    for (const c of testCases) statusCounts[c.status] = (statusCounts[c.status] ?? 0) + 1
    out.push({
      arn: `arn:aws:codebuild:${deps.region}:${deps.accountId}:report/${groupName}:${uuid}`,
      buildId: build.id,
      reportGroupArn: groupArn,
      name: groupName,
      type: group.reportType,
      status: selection.files.length === 0 ? 'INCOMPLETE' : testCases.some((c) => c.status === 'FAILED' || c.status === 'ERROR') ? 'FAILED' : 'SUCCEEDED',
      createdAt: now,
      summary: { total: testCases.length, statusCounts, durationInNanoSeconds: testCases.reduce((t, c) => t + c.durationInNanoSeconds, 0) },
      testCases,
    })
  }
  return out
}
