import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { ConsoleSessionRecord } from '../../../src/web/records.ts'
import { type MakeStore, T0 } from './support.ts'

const NOW = T0.getTime()
const session = (idHash: string, principal: string, expiresAt: number): ConsoleSessionRecord => ({ idHash, principal, accessKeyId: `AKIA${principal.toUpperCase()}`, expiresAt })
const byHash = (sessions: ConsoleSessionRecord[]) => [...sessions].sort((a, b) => (a.idHash < b.idHash ? -1 : 1))

/** `store.consoleSessions`: console sign-in sessions, by the SHA-256 of their id. */
export function consoleSessionsContract(makeStore: MakeStore): void {
  it('consoleSessions: live returns sessions expiring after now, with epoch-ms expiry as numbers', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.consoleSessions.live(NOW), [])
      await store.consoleSessions.put(session('a'.repeat(64), 'root', NOW + 3_600_000))
      await store.consoleSessions.put(session('b'.repeat(64), 'ünïcode', NOW + 1))
      const live = byHash(await store.consoleSessions.live(NOW))
      assert.deepStrictEqual(live, [session('a'.repeat(64), 'root', NOW + 3_600_000), session('b'.repeat(64), 'ünïcode', NOW + 1)])
      assert.equal(typeof live[0]?.expiresAt, 'number')
    } finally {
      await store.close()
    }
  })

  it('consoleSessions: a session expiring exactly at now is expired, and expired sessions are deleted for good', async () => {
    const store = await makeStore()
    try {
      await store.consoleSessions.put(session('h1', 'alice', NOW))
      await store.consoleSessions.put(session('h2', 'bob', NOW - 1))
      await store.consoleSessions.put(session('h3', 'carol', NOW + 10))
      assert.deepStrictEqual(await store.consoleSessions.live(NOW), [session('h3', 'carol', NOW + 10)])
      assert.deepStrictEqual(await store.consoleSessions.live(NOW - 1_000), [session('h3', 'carol', NOW + 10)], 'asking with an earlier now does not bring them back')
    } finally {
      await store.close()
    }
  })

  it('consoleSessions: put replaces a session with the same hash; remove deletes one (unknown hashes are ignored)', async () => {
    const store = await makeStore()
    try {
      await store.consoleSessions.put(session('h1', 'alice', NOW + 10))
      await store.consoleSessions.put(session('h1', 'alice', NOW + 20))
      await store.consoleSessions.put(session('h2', 'bob', NOW + 10))
      assert.deepStrictEqual(byHash(await store.consoleSessions.live(NOW)), [session('h1', 'alice', NOW + 20), session('h2', 'bob', NOW + 10)])
      await store.consoleSessions.remove('h2')
      await store.consoleSessions.remove('never')
      await store.consoleSessions.remove('H1')
      assert.deepStrictEqual(await store.consoleSessions.live(NOW), [session('h1', 'alice', NOW + 20)])
    } finally {
      await store.close()
    }
  })

  it('consoleSessions: get finds a session by hash only while it is valid, and not after remove', async () => {
    const store = await makeStore()
    try {
      await store.consoleSessions.put(session('g1', 'alice', NOW + 10))
      assert.deepStrictEqual(await store.consoleSessions.get('g1', NOW), session('g1', 'alice', NOW + 10))
      assert.equal(await store.consoleSessions.get('g1', NOW + 10), undefined, 'expired at its expiry')
      assert.equal(await store.consoleSessions.get('nope', NOW), undefined)
      await store.consoleSessions.remove('g1')
      assert.equal(await store.consoleSessions.get('g1', NOW), undefined)
    } finally {
      await store.close()
    }
  })

  it('consoleSessions: a login token is redeemed once, and never after it expired', async () => {
    const store = await makeStore()
    try {
      await store.consoleSessions.addLoginToken('t1', { principal: 'alice', accessKeyId: 'AKIAALICE' }, NOW + 1000)
      await store.consoleSessions.addLoginToken('t2', { principal: 'bob', accessKeyId: 'AKIABOB' }, NOW + 1000)
      assert.deepEqual(await store.consoleSessions.redeemLoginToken('t1', NOW), { principal: 'alice', accessKeyId: 'AKIAALICE' })
      assert.equal(await store.consoleSessions.redeemLoginToken('t1', NOW), undefined, 'once')
      assert.equal(await store.consoleSessions.redeemLoginToken('t2', NOW + 1000), undefined, 'expired')
      assert.equal(await store.consoleSessions.redeemLoginToken('unknown', NOW), undefined)
      await store.consoleSessions.addLoginToken('t3', { principal: 'carol', accessKeyId: 'AKIACAROL' }, NOW + 1000)
      const both = await Promise.all([store.consoleSessions.redeemLoginToken('t3', NOW), store.consoleSessions.redeemLoginToken('t3', NOW)])
      assert.deepEqual(both.filter(Boolean).map((g) => g!.principal), ['carol'], 'two redeems at once: one wins')
    } finally {
      await store.close()
    }
  })
}
