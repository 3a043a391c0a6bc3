import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { AccessKeyRecord } from '../../../src/identity/access-keys.ts'
import { type MakeStore, T0, at, assertRecord } from './support.ts'

const key = (accessKeyId: string, createdAt: Date, extra: Partial<AccessKeyRecord> = {}): AccessKeyRecord => ({
  accessKeyId,
  userName: 'root',
  secretSealed: `v1:${accessKeyId.toLowerCase()}:c2VhbGVkL3NlY3JldA==`,
  status: 'Active',
  createdAt,
  ...extra,
})

/** `store.keys`: access keys, listed oldest first (the root key is the oldest active one). */
export function accessKeysContract(makeStore: MakeStore): void {
  it('keys: inserts and gets a key exactly, Inactive status and millisecond dates included', async () => {
    const store = await makeStore()
    try {
      const active = key('AKIAACTIVE0000000001', T0, { userName: 'ünïcode-user' })
      const inactive = key('AKIAINACTIVE00000002', at(1), { status: 'Inactive' })
      await store.keys.insert(active)
      await store.keys.insert(inactive)
      assertRecord(await store.keys.get(active.accessKeyId), active)
      assertRecord(await store.keys.get(inactive.accessKeyId), inactive)
      assert.equal(await store.keys.get('AKIAMISSING000000000'), undefined)
      assert.equal(await store.keys.get('akiaactive0000000001'), undefined, 'ids match exactly (case-sensitive)')
    } finally {
      await store.close()
    }
  })

  it('keys: rejects a second key with the same id and keeps the first', async () => {
    const store = await makeStore()
    try {
      const first = key('AKIADUPLICATE0000001', T0)
      await store.keys.insert(first)
      await assert.rejects(store.keys.insert(key('AKIADUPLICATE0000001', at(5), { userName: 'mallory', secretSealed: 'other' })))
      assertRecord(await store.keys.get(first.accessKeyId), first)
      assert.equal((await store.keys.list()).length, 1)
    } finally {
      await store.close()
    }
  })

  it('keys: lists oldest first, ties by id byte-wise', async () => {
    const store = await makeStore()
    try {
      await store.keys.insert(key('AKIAZZZZZZZZZZZZZZZ1', at(2000)))
      await store.keys.insert(key('AKIAMMMMMMMMMMMMMMM2', at(1000)))
      await store.keys.insert(key('AKIA2222222222222222', at(1000)))
      await store.keys.insert(key('AKIAAAAAAAAAAAAAAAA3', at(3000)))
      const listed = await store.keys.list()
      assert.deepEqual(listed.map((k) => k.accessKeyId), ['AKIA2222222222222222', 'AKIAMMMMMMMMMMMMMMM2', 'AKIAZZZZZZZZZZZZZZZ1', 'AKIAAAAAAAAAAAAAAAA3'])
      assertRecord(listed[0], key('AKIA2222222222222222', at(1000)))
    } finally {
      await store.close()
    }
  })

  it('keys: delete returns true once, then false; an empty store lists nothing', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.keys.list(), [])
      await store.keys.insert(key('AKIADELETE0000000001', T0))
      await store.keys.insert(key('AKIAKEEP000000000002', T0))
      assert.equal(await store.keys.delete('AKIADELETE0000000001'), true)
      assert.equal(await store.keys.delete('AKIADELETE0000000001'), false)
      assert.equal(await store.keys.delete('AKIANEVER00000000000'), false)
      assert.equal(await store.keys.get('AKIADELETE0000000001'), undefined)
      assert.deepEqual((await store.keys.list()).map((k) => k.accessKeyId), ['AKIAKEEP000000000002'])
    } finally {
      await store.close()
    }
  })
}
