import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { ReportGroupRecord, ReportRecord } from '../../../src/build/records.ts'
import { type MakeStore, FAR_FUTURE, T0, TRICKY, at, assertRecord, assertSameJson } from './support.ts'
import { build } from './build-fixtures.ts'

const GROUP = 'arn:aws:codebuild:us-east-1:000000000000:report-group/p-unit'
const OTHER_GROUP = 'arn:aws:codebuild:us-east-1:000000000000:report-group/p-coverage'

const report = (n: number, buildId: string, createdAt: Date, extra: Partial<ReportRecord> = {}): ReportRecord => ({
  arn: `${GROUP.replace('report-group/', 'report/')}:${String(n).padStart(4, '0')}`,
  buildId,
  reportGroupArn: GROUP,
  name: 'unit',
  type: 'TEST',
  status: 'FAILED',
  createdAt,
  summary: { total: 3, statusCounts: { SUCCEEDED: 1, FAILED: 1, SKIPPED: 1 }, durationInNanoSeconds: 5_000_000_000_123 },
  testCases: [
    { name: `fête ${TRICKY}`, prefix: 'suite/😀', status: 'FAILED', durationInNanoSeconds: 4_294_967_296_001, message: TRICKY, testRawDataPath: 'reports/junit.xml' },
    { name: 'passes', prefix: '', status: 'SUCCEEDED', durationInNanoSeconds: 0, testRawDataPath: 'reports/junit.xml' },
  ],
  ...extra,
})

/** `store.reports`: test reports, kept with their build. */
export function buildReportsContract(makeStore: MakeStore): void {
  it('reports: a report reads back exactly (large nanosecond counts, unicode, a test case without message)', async () => {
    const store = await makeStore()
    try {
      const b = build('p', 1, T0)
      await store.builds.insert(b)
      const r = report(1, b.id, FAR_FUTURE, { type: 'CODE_COVERAGE', status: 'INCOMPLETE' })
      await store.reports.insert(r)
      const read = await store.reports.get(r.arn)
      assertRecord(read, r)
      assertSameJson(read?.summary, r.summary)
      assertSameJson(read?.testCases, r.testCases)
      assert.equal(read?.testCases[1]?.message, undefined)
      assert.equal(await store.reports.get(`${r.arn}0`), undefined)
    } finally {
      await store.close()
    }
  })

  it('reports: a second report with the same ARN rejects and leaves the first', async () => {
    const store = await makeStore()
    try {
      const b = build('p', 1, T0)
      await store.builds.insert(b)
      await store.reports.insert(report(1, b.id, T0))
      await assert.rejects(store.reports.insert(report(1, b.id, at(1), { status: 'SUCCEEDED' })))
      assert.equal((await store.reports.get(report(1, b.id, T0).arn))?.status, 'FAILED')
    } finally {
      await store.close()
    }
  })

  it('reports: byGroup lists one group\'s reports newest first', async () => {
    const store = await makeStore()
    try {
      const b = build('p', 1, T0)
      await store.builds.insert(b)
      assert.deepEqual(await store.reports.byGroup(GROUP), [])
      await store.reports.insert(report(1, b.id, at(2000)))
      await store.reports.insert(report(2, b.id, FAR_FUTURE))
      await store.reports.insert(report(3, b.id, at(1000)))
      await store.reports.insert(report(4, b.id, at(3000), { reportGroupArn: OTHER_GROUP }))
      const listed = await store.reports.byGroup(GROUP)
      assert.deepEqual(listed.map((r) => r.arn), [2, 1, 3].map((n) => report(n, b.id, T0).arn))
      assertRecord(listed[0], report(2, b.id, FAR_FUTURE))
      assert.deepEqual((await store.reports.byGroup(OTHER_GROUP)).map((r) => r.arn), [report(4, b.id, T0).arn])
    } finally {
      await store.close()
    }
  })

  it('reports: deleting a build deletes its reports', async () => {
    const store = await makeStore()
    try {
      const doomed = build('p', 1, T0)
      const kept = build('p', 2, T0)
      await store.builds.insert(doomed)
      await store.builds.insert(kept)
      await store.reports.insert(report(1, doomed.id, at(1)))
      await store.reports.insert(report(2, kept.id, at(2)))
      assert.equal(await store.builds.delete(doomed.id), true)
      assert.equal(await store.reports.get(report(1, doomed.id, T0).arn), undefined)
      assert.deepEqual((await store.reports.byGroup(GROUP)).map((r) => r.buildId), [kept.id])
    } finally {
      await store.close()
    }
  })

  const group = (arn: string, name: string, extra: Partial<ReportGroupRecord> = {}): ReportGroupRecord => ({
    arn, name, type: 'TEST', exportConfig: { exportConfigType: 'S3', s3Destination: { bucket: 'b', path: TRICKY, packaging: 'ZIP' } }, tags: [{ key: 'k', value: TRICKY }], createdAt: T0, lastModified: at(3), ...extra,
  })

  it('report groups: insert once (the first is kept), read back exactly, listed by name; save replaces; delete takes the group and its reports only', async () => {
    const store = await makeStore()
    try {
      const b = build('p', 1, T0)
      await store.builds.insert(b)
      assert.equal(await store.reports.insertGroup(group(GROUP, 'p-unit')), true)
      assert.equal(await store.reports.insertGroup(group(GROUP, 'p-unit', { type: 'CODE_COVERAGE' })), false)
      assertRecord(await store.reports.group(GROUP), group(GROUP, 'p-unit'))
      await store.reports.insertGroup(group(OTHER_GROUP, 'p-coverage', { type: 'CODE_COVERAGE' }))
      assert.deepEqual((await store.reports.groups()).map((g) => g.name), ['p-coverage', 'p-unit'])
      const changed = group(GROUP, 'p-unit', { tags: [], lastModified: FAR_FUTURE })
      await store.reports.saveGroup(changed)
      assertRecord(await store.reports.group(GROUP), changed)
      await store.reports.insert(report(1, b.id, at(1)))
      await store.reports.insert(report(2, b.id, at(2), { reportGroupArn: OTHER_GROUP }))
      assert.deepEqual((await store.reports.list()).map((r) => r.arn), [report(2, b.id, at(2)).arn, report(1, b.id, at(1)).arn])
      assert.equal(await store.reports.deleteGroup(GROUP), true)
      assert.equal(await store.reports.deleteGroup(GROUP), false)
      assert.equal(await store.reports.group(GROUP), undefined)
      assert.deepEqual((await store.reports.list()).map((r) => r.reportGroupArn), [OTHER_GROUP])
    } finally {
      await store.close()
    }
  })

  it('source credentials: one per server type; kept unless overwrite; listed by type; deleted once', async () => {
    const store = await makeStore()
    try {
      const cred = { serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN', tokenSealed: `v1:${TRICKY}`, createdAt: T0 }
      assert.equal(await store.secrets.putSourceCredential(cred, false), true)
      assert.equal(await store.secrets.putSourceCredential({ ...cred, tokenSealed: 'other' }, false), false)
      assert.deepEqual(await store.secrets.sourceCredentials(), [cred])
      const basic = { serverType: 'BITBUCKET', authType: 'BASIC_AUTH', username: TRICKY, tokenSealed: 's', createdAt: at(1) }
      await store.secrets.putSourceCredential(basic, true)
      await store.secrets.putSourceCredential({ ...cred, tokenSealed: 'replaced' }, true)
      assert.deepEqual(await store.secrets.sourceCredentials(), [basic, { ...cred, tokenSealed: 'replaced' }])
      assert.deepEqual(await store.secrets.list(), [], 'they are not build secrets')
      assert.equal(await store.secrets.deleteSourceCredential('GITHUB'), true)
      assert.equal(await store.secrets.deleteSourceCredential('GITHUB'), false)
    } finally {
      await store.close()
    }
  })
}
