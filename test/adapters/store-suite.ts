import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Store } from '../../src/infra/store.ts'
import { NameTaken } from '../../src/git/records.ts'
import type { PipelineRecord } from '../../src/pipeline/records.ts'
import type { ExecutionState } from '../../src/pipeline/model/execution-types.ts'

const repo = (id: string, name: string, at = new Date(1_700_000_000_000)) => ({ id, name, createdAt: at, lastModifiedAt: at })

/**
 * The behaviour every `Store` adapter must have. Run against SQLite always; the PostgreSQL adapter
 * will run the same suite.
 */
export function describeStore(name: string, makeStore: () => Store | Promise<Store>): void {
  /** Runs `fn` on a fresh store, closed whatever happens (an open PostgreSQL pool would keep the test process alive). */
  const using = async (fn: (store: Store) => Promise<void>) => {
    const store = await makeStore()
    try {
      await fn(store)
    } finally {
      await store.close()
    }
  }
  describe(`Store contract: ${name}`, () => {
    it('stores repositories with unique names, renames and deletes them', () => using(async (store) => {
      await store.repositories.insert(repo('r1', 'one'))
      await store.repositories.insert(repo('r2', 'two', new Date(1_700_000_001_000)))
      await assert.rejects(store.repositories.insert(repo('r3', 'one')), NameTaken)
      await assert.rejects(store.repositories.rename('r2', 'one', new Date()), NameTaken)
      await store.repositories.rename('r2', 'deux', new Date(1_700_000_002_000))
      assert.equal((await store.repositories.getById('r2'))?.name, 'deux')
      assert.deepEqual((await store.repositories.list('repositoryName', 'descending')).map((r) => r.name), ['one', 'deux'])
      assert.deepEqual((await store.repositories.list('lastModifiedDate', 'descending')).map((r) => r.name), ['deux', 'one'])
      await store.repositories.delete('r1')
      assert.equal(await store.repositories.getByName('one'), undefined)
    }))

    it('rolls a transaction back entirely when it throws', () => using(async (store) => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.repositories.insert(repo('t1', 'inside'))
          await tx.tags.put('arn:x', { a: '1' })
          throw new Error('boom')
        }),
        /boom/,
      )
      assert.equal(await store.repositories.getByName('inside'), undefined)
      assert.deepEqual(await store.tags.list('arn:x'), {})
    }))

    it('runs transactions that lock one subject one at a time; reads outside see only committed state', () => using(async (store) => {
      let inserted!: () => void
      const written = new Promise<void>((resolve) => (inserted = resolve))
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const slow = store.transaction(async (tx) => {
        await tx.repositories.insert(repo('s1', 'slow'))
        inserted()
        await released
        return 'slow'
      }, { lock: 'subject-1' })
      await written
      const seenOutside = await store.repositories.getByName('slow')
      const fast = store.transaction(async (tx) => {
        assert.ok(await tx.repositories.getByName('slow'), 'second transaction starts after the first committed')
        return 'fast'
      }, { lock: 'subject-1' })
      release()
      assert.deepEqual(await Promise.all([slow, fast]), ['slow', 'fast'])
      assert.equal(seenOutside, undefined, 'uncommitted rows are invisible outside the transaction')
    }))

    it('refuses a transaction started inside another, and autocommit writes inside one', () => using(async (store) => {
      await assert.rejects(store.transaction(async () => store.transaction(async () => 1)), /nested transaction/)
      await assert.rejects(store.transaction(async () => store.tags.put('arn:n', { a: '1' })), /inside a transaction|nested transaction/)
      await assert.rejects(store.transaction(async () => store.keys.delete('k')), /inside a transaction/)
      await assert.rejects(store.transaction(async () => store.keys.get('k')), /inside a transaction/, 'reads outside it too')
      assert.deepEqual(await store.tags.list('arn:n'), {})
    }))

    it('reads the outbox in order from a position, and keeps each consumer\'s position under a lease', () => using(async (store) => {
      const at = new Date(1_700_000_000_000)
      const start = await store.events.end()
      const a = await store.events.append({ type: 't', source: 's', resource: 'r', detail: { n: 1 }, at })
      const b = await store.events.append({ type: 't', source: 's', resource: 'r', detail: { n: 2 }, at })
      assert.ok(b > a)
      const read = await store.events.after(start, 10)
      assert.deepEqual(read.map((e) => e.detail), [{ n: 1 }, { n: 2 }])
      assert.deepEqual((await store.events.after(read[0]!.position, 10)).map((e) => e.seq), [b])
      assert.deepEqual(await store.events.end(), read[1]!.position)
      assert.deepEqual(await store.events.after(read[1]!.position, 10), [])

      await store.events.addConsumer('c', start)
      await store.events.addConsumer('c', read[1]!.position)
      const now = new Date(1_000)
      const lease = new Date(11_000)
      assert.deepEqual(await store.events.claimConsumer('c', 'p1', now, lease), start, 'a second add keeps the first position')
      assert.equal(await store.events.claimConsumer('c', 'p2', now, lease), undefined, 'held by p1')
      assert.equal(await store.events.advanceConsumer('c', 'p2', read[0]!.position, undefined), false, 'only the holder moves it')
      assert.equal(await store.events.advanceConsumer('c', 'p1', read[0]!.position, lease), true)
      assert.deepEqual(await store.events.claimConsumer('c', 'p2', new Date(12_000), new Date(22_000)), read[0]!.position, 'an expired lease passes on')
      assert.equal(await store.events.advanceConsumer('c', 'p2', read[1]!.position, undefined), true)
      assert.deepEqual(await store.events.claimConsumer('c', 'p3', new Date(12_001), lease), read[1]!.position, 'released')
    }))

    it('tells a consumer whether events of its types wait after its position, and reads only those', () => using(async (store) => {
      const at = new Date(1_700_000_000_000)
      const start = await store.events.end()
      await store.events.addConsumer('builds', start)
      assert.equal(await store.events.consumerBehind('builds', ['build']), false)
      await store.events.append({ type: 'phase', source: 's', resource: 'r', detail: { n: 1 }, at })
      assert.equal(await store.events.consumerBehind('builds', ['build']), false, 'other types do not count')
      await store.events.append({ type: 'build', source: 's', resource: 'r', detail: { n: 2 }, at })
      await store.events.append({ type: 'phase', source: 's', resource: 'r', detail: { n: 3 }, at })
      await store.events.append({ type: 'deploy', source: 's', resource: 'r', detail: { n: 4 }, at })
      assert.equal(await store.events.consumerBehind('builds', ['build']), true)
      assert.equal(await store.events.consumerBehind('unknown', ['build']), false)
      const mine = await store.events.after(start, 10, ['build', 'deploy'])
      assert.deepEqual(mine.map((e) => e.detail), [{ n: 2 }, { n: 4 }])
      assert.equal(await store.events.claimConsumer('builds', 'me', new Date(1), new Date(2)) !== undefined, true)
      await store.events.advanceConsumer('builds', 'me', mine[0]!.position, undefined)
      assert.equal(await store.events.consumerBehind('builds', ['build']), false)
      assert.equal(await store.events.consumerBehind('builds', ['deploy']), true)
    }))

    it('keeps tags and ref snapshots per resource', () => using(async (store) => {
      await store.repositories.insert(repo('g1', 'refs'))
      await store.repositories.setRef('g1', 'refs/heads/main', 'a'.repeat(40))
      await store.repositories.setRef('g1', 'refs/heads/main', 'b'.repeat(40))
      await store.repositories.setRef('g1', 'refs/heads/dev', 'c'.repeat(40))
      await store.repositories.setRef('g1', 'refs/heads/dev', null)
      assert.deepEqual([...(await store.repositories.refs('g1'))], [['refs/heads/main', 'b'.repeat(40)]])
      await store.tags.put('arn:1', { a: '1', b: '2' })
      await store.tags.put('arn:1', { b: '3' })
      await store.tags.remove('arn:1', ['a'])
      assert.deepEqual(await store.tags.list('arn:1'), { b: '3' })
    }))

    it('pages, filters and counts pipeline executions, and finds each pipeline\'s newest', () => using(async (store) => {
      const at = new Date(1_700_000_000_000)
      const pipeline = (name: string) => ({ name, version: 1, declaration: { name }, normalized: {}, tags: [], transitions: {}, createdAt: at, updatedAt: at }) as unknown as PipelineRecord
      const execution = (id: string, pipelineName: string, status: string, startTime: number) => ({ id, pipelineName, status, startTime, lastUpdateTime: startTime }) as unknown as ExecutionState
      for (const name of ['a', 'b', 'idle']) await store.pipelines.insert(pipeline(name))
      for (let i = 0; i < 7; i++) await store.pipelines.insertExecution(execution(`a${i}`, 'a', i % 3 === 0 ? 'Failed' : 'Succeeded', 1000 + i))
      await store.pipelines.insertExecution(execution('b0', 'b', 'InProgress', 5))
      assert.deepEqual((await store.pipelines.executions('a', 3, 0)).map((e) => e.id), ['a6', 'a5', 'a4'])
      assert.deepEqual((await store.pipelines.executions('a', 3, 3)).map((e) => e.id), ['a3', 'a2', 'a1'])
      assert.deepEqual((await store.pipelines.executions('a', 10, 0, 'Failed')).map((e) => e.id), ['a6', 'a3', 'a0'])
      assert.equal(await store.pipelines.countExecutions('a'), 7)
      assert.equal(await store.pipelines.countExecutions('a', 'Failed'), 3)
      assert.equal(await store.pipelines.countExecutions('idle'), 0)
      const latest = await store.pipelines.latestExecutions()
      assert.deepEqual([...latest].map(([name, e]) => [name, e.id]).sort(), [['a', 'a6'], ['b', 'b0']])
    }))

    it('hands a job to one claimer per queue, and lets a reconciler act only on the claim it saw expire', () => using(async (store) => {
      const t = (ms: number) => new Date(1_700_000_000_000 + ms)
      await store.jobs.enqueue({ id: 'h1', kind: 'host-command', queue: 'web-1', subjectId: 'c1', at: t(0) })
      await store.jobs.enqueue({ id: 'h2', kind: 'host-command', queue: 'web-2', subjectId: 'c2', at: t(1) })
      await store.jobs.enqueue({ id: 'h3', kind: 'host-command', queue: 'web-1', subjectId: 'c3', at: t(2) })
      assert.deepEqual((await store.jobs.queued('host-command')).map((j) => j.id), ['h1', 'h2', 'h3'])
      const claims = await Promise.all([1, 2, 3].map((n) => store.jobs.claim('host-command', `agent-${n}`, t(10), t(20), 'web-1')))
      assert.deepEqual(claims.map((j) => j?.id).filter(Boolean).sort(), ['h1', 'h3'], 'each of web-1\'s jobs to one claimer, none of web-2\'s')
      const h1 = claims.find((j) => j?.id === 'h1')!
      assert.equal(h1.queue, 'web-1')
      assert.equal(await store.jobs.renew('h1', h1.owner!, t(30), t(11), 'acknowledged'), true)
      assert.equal((await store.jobs.get('h1'))?.progress, 'acknowledged')
      assert.equal(await store.jobs.renew('h1', 'someone-else', t(99), t(11)), false)

      const expired = await store.jobs.expired('host-command', t(25))
      assert.deepEqual(expired.map((j) => j.id), ['h3'], 'h1 was renewed')
      const seen = expired[0]!
      // The claimer renews after the reconciler looked: the reconciler's guarded update changes nothing.
      assert.equal(await store.jobs.renew('h3', seen.owner!, t(40), t(26)), true)
      assert.equal(await store.jobs.requeueExpired(seen, t(27)), false)
      assert.equal(await store.jobs.failExpired(seen, t(27)), false)
      const again = (await store.jobs.expired('host-command', t(45))).find((j) => j.id === 'h3')!
      assert.equal(await store.jobs.failExpired(again, t(46)), true)
      assert.equal(await store.jobs.failExpired(again, t(46)), false, 'once')
      assert.equal((await store.jobs.get('h3'))?.status, 'failed')

      assert.equal(await store.jobs.cancelQueued('h1', t(50)), false, 'claimed, not queued')
      assert.equal(await store.jobs.cancelQueued('h2', t(50)), true)
      assert.equal(await store.jobs.claim('host-command', 'agent-9', t(60), t(70), 'web-2'), undefined)
    }))

    it('stores text with a NUL in it without failing (PostgreSQL text cannot hold one)', () => using(async (store) => {
      await store.audit.append({ at: new Date(1_700_000_000_000), principal: 'p', action: 'a', resource: 'before\u0000after', requestId: 'r' })
      const [entry] = await store.audit.recent(1)
      assert.match(entry!.resource ?? '', /^before.after$/u)
    }))

    it('keeps console sessions until they expire or are removed', () => using(async (store) => {
      await store.consoleSessions.put({ idHash: 'h1', principal: 'alice', accessKeyId: 'AKIAALICE', expiresAt: 2000 })
      await store.consoleSessions.put({ idHash: 'h2', principal: 'bob', accessKeyId: 'AKIABOB', expiresAt: 1000 })
      await store.consoleSessions.put({ idHash: 'h3', principal: 'carol', accessKeyId: 'AKIACAROL', expiresAt: 3000 })
      await store.consoleSessions.remove('h3')
      assert.deepEqual(await store.consoleSessions.live(1500), [{ idHash: 'h1', principal: 'alice', accessKeyId: 'AKIAALICE', expiresAt: 2000 }])
      assert.deepEqual(await store.consoleSessions.live(0), [{ idHash: 'h1', principal: 'alice', accessKeyId: 'AKIAALICE', expiresAt: 2000 }], 'expired sessions are gone for good')
    }))
  })
}
