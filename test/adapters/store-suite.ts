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
  describe(`Store contract: ${name}`, () => {
    it('stores repositories with unique names, renames and deletes them', async () => {
      const store = await makeStore()
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
      await store.close()
    })

    it('rolls a transaction back entirely when it throws', async () => {
      const store = await makeStore()
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
      await store.close()
    })

    it('runs transactions that lock one subject one at a time; reads outside see only committed state', async () => {
      const store = await makeStore()
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
      await store.close()
    })

    it('refuses a transaction started inside another, and autocommit writes inside one', async () => {
      const store = await makeStore()
      await assert.rejects(store.transaction(async () => store.transaction(async () => 1)), /nested transaction/)
      await assert.rejects(store.transaction(async () => store.tags.put('arn:n', { a: '1' })), /inside a transaction|nested transaction/)
      await assert.rejects(store.transaction(async () => store.keys.delete('k')), /inside a transaction/)
      await assert.rejects(store.transaction(async () => store.keys.get('k')), /inside a transaction/, 'reads outside it too')
      assert.deepEqual(await store.tags.list('arn:n'), {})
      await store.close()
    })

    it('reads the outbox in order from a position, and keeps each consumer\'s position under a lease', async () => {
      const store = await makeStore()
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
      await store.close()
    })

    it('keeps tags and ref snapshots per resource', async () => {
      const store = await makeStore()
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
      await store.close()
    })

    it('pages, filters and counts pipeline executions, and finds each pipeline\'s newest', async () => {
      const store = await makeStore()
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
      await store.close()
    })

    it('keeps console sessions until they expire or are removed', async () => {
      const store = await makeStore()
      await store.consoleSessions.put({ idHash: 'h1', principal: 'alice', expiresAt: 2000 })
      await store.consoleSessions.put({ idHash: 'h2', principal: 'bob', expiresAt: 1000 })
      await store.consoleSessions.put({ idHash: 'h3', principal: 'carol', expiresAt: 3000 })
      await store.consoleSessions.remove('h3')
      assert.deepEqual(await store.consoleSessions.live(1500), [{ idHash: 'h1', principal: 'alice', expiresAt: 2000 }])
      assert.deepEqual(await store.consoleSessions.live(0), [{ idHash: 'h1', principal: 'alice', expiresAt: 2000 }], 'expired sessions are gone for good')
      await store.close()
    })
  })
}
