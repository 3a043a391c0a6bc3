import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { RunnerRecord } from '../../../src/build/records.ts'
import { type MakeStore, T0, TRICKY, at, assertRecord } from './support.ts'

const runner = (id: string, name: string, lastSeenAt: Date, extra: Partial<RunnerRecord> = {}): RunnerRecord => ({
  id, name, principal: `runner:${name}`, labels: { image: ['team/*', TRICKY], computeType: ['BUILD_GENERAL1_SMALL'] }, capacity: 4, executor: 'docker', version: '1',
  images: ['registry.local:5000/team/app:1.2', 'busybox:latest'], registeredAt: T0, lastSeenAt, ...extra,
})

/** `store.runners`: registrations read back exactly (labels and images included); who is present; pruning. */
export function runnersContract(makeStore: MakeStore): void {
  it('runners: upsert reads back exactly; a second upsert replaces what the runner said; active lists those seen since, by name; prune removes the others', async () => {
    const store = await makeStore()
    try {
      await store.runners.upsert(runner('r-2', 'beta', at(5)))
      await store.runners.upsert(runner('r-1', 'alpha', at(1), { images: [] }))
      assertRecord(await store.runners.get('r-2'), runner('r-2', 'beta', at(5)))
      const changed = runner('r-2', 'beta', at(6), { images: ['node:22'], capacity: 8 })
      await store.runners.upsert(changed)
      assertRecord(await store.runners.get('r-2'), changed)
      assert.deepEqual((await store.runners.active(at(0))).map((r) => r.name), ['alpha', 'beta'])
      assert.deepEqual((await store.runners.active(at(2))).map((r) => r.id), ['r-2'])
      assert.equal(await store.runners.prune(at(2)), 1)
      assert.equal(await store.runners.get('r-1'), undefined)
    } finally {
      await store.close()
    }
  })
}
