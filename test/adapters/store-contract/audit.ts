import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { AuditEntry } from '../../../src/infra/store.ts'
import { type MakeStore, T0, TRICKY, at, assertRecord } from './support.ts'

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({ at: at(n), principal: 'root', action: `codebuild:Action${n}`, requestId: `req-${n}`, outcome: 'ok', ...extra })

/** `store.audit`: who changed what; `recent` is newest (last appended) first. */
export function auditContract(makeStore: MakeStore): void {
  it('audit: recent returns the newest entries first, at most limit of them', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.audit.recent(10), [])
      for (let n = 1; n <= 5; n++) await store.audit.append(entry(n, { resource: `arn:aws:codebuild:us-east-1:000000000000:project/p${n}` }))
      assert.deepEqual((await store.audit.recent(3)).map((e) => e.requestId), ['req-5', 'req-4', 'req-3'])
      assert.deepEqual((await store.audit.recent(100)).map((e) => e.requestId), ['req-5', 'req-4', 'req-3', 'req-2', 'req-1'])
      assert.deepEqual(await store.audit.recent(0), [])
    } finally {
      await store.close()
    }
  })

  it('audit: entries read back exactly (millisecond dates, unicode); a missing resource reads undefined', async () => {
    const store = await makeStore()
    try {
      const withResource = entry(1, { principal: 'ünïcode-user', action: TRICKY, resource: 'arn:aws:codepipeline:us-east-1:000000000000:fête' })
      const without = entry(2)
      await store.audit.append(withResource)
      await store.audit.append(without)
      const [second, first] = await store.audit.recent(2)
      assertRecord(first, withResource)
      assertRecord(second, without)
      assert.equal(second?.resource, undefined)
    } finally {
      await store.close()
    }
  })

  it('audit: entries appended with the same instant come back in reverse append order', async () => {
    const store = await makeStore()
    try {
      for (const id of ['first', 'second', 'third']) await store.audit.append({ at: T0, principal: 'p', action: 'a', requestId: id })
      assert.deepEqual((await store.audit.recent(10)).map((e) => e.requestId), ['third', 'second', 'first'])
    } finally {
      await store.close()
    }
  })

  it('audit: query filters by principal, action and resource substrings (pattern characters literal) and time, newest first', async () => {
    const store = await makeStore()
    try {
      await store.audit.append(entry(1, { principal: 'alice', action: 'codebuild:CreateProject', resource: 'web_app' }))
      await store.audit.append(entry(2, { principal: 'bob', action: 's3:PutObject', resource: 'arn:aws:s3:::b/100%.txt', outcome: 'AccessDenied' }))
      await store.audit.append(entry(3, { principal: 'alice', action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/web-app' }))
      const ids = async (f: Parameters<typeof store.audit.query>[0]) => (await store.audit.query(f)).map((e) => e.requestId)
      assert.deepEqual(await ids({ limit: 10, principal: 'alice' }), ['req-3', 'req-1'])
      assert.deepEqual(await ids({ limit: 10, action: 's3:' }), ['req-3', 'req-2'])
      assert.deepEqual(await ids({ limit: 10, resource: 'web_' }), ['req-1'], 'an underscore is literal, not a wildcard')
      assert.deepEqual(await ids({ limit: 10, resource: '100%' }), ['req-2'])
      assert.deepEqual(await ids({ limit: 10, since: at(2), until: at(3) }), ['req-2'])
      assert.deepEqual(await ids({ limit: 1 }), ['req-3'])
      assert.equal((await store.audit.query({ limit: 10, principal: 'bob' }))[0]?.outcome, 'AccessDenied')
    } finally {
      await store.close()
    }
  })
}
