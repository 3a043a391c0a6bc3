import { it } from 'node:test'
import assert from 'node:assert/strict'
import { type MakeStore, BYTE_ORDER, FAR_FUTURE, SHUFFLED, T0, TRICKY, at, assertRecord } from './support.ts'

/** `store.secrets`: sealed values for PARAMETER_STORE / SECRETS_MANAGER build variables. */
export function secretsContract(makeStore: MakeStore): void {
  it('secrets: put then get returns the sealed value exactly; a missing name reads undefined', async () => {
    const store = await makeStore()
    try {
      const long = `v1:${'QUJD'.repeat(5000)}:${TRICKY}`
      await store.secrets.put('/prod/db/password', long, T0)
      assert.equal(await store.secrets.get('/prod/db/password'), long)
      assert.equal(await store.secrets.get('/prod/db/PASSWORD'), undefined, 'names match exactly')
      assert.equal(await store.secrets.get('missing'), undefined)
    } finally {
      await store.close()
    }
  })

  it('secrets: put again replaces the value and its updatedAt', async () => {
    const store = await makeStore()
    try {
      await store.secrets.put('token', 'old', T0)
      await store.secrets.put('token', 'new', FAR_FUTURE)
      assert.equal(await store.secrets.get('token'), 'new')
      assertRecord(await store.secrets.list(), [{ name: 'token', updatedAt: FAR_FUTURE }])
    } finally {
      await store.close()
    }
  })

  it('secrets: list sorts names byte-wise and carries each updatedAt (never the value)', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.secrets.list(), [])
      for (const [i, name] of SHUFFLED.entries()) await store.secrets.put(name, `sealed-${i}`, at(i))
      const listed = await store.secrets.list()
      assert.deepEqual(listed.map((s) => s.name), BYTE_ORDER)
      assertRecord(listed.find((s) => s.name === 'alpha'), { name: 'alpha', updatedAt: at(SHUFFLED.indexOf('alpha')) })
    } finally {
      await store.close()
    }
  })

  it('secrets: delete returns true once, then false', async () => {
    const store = await makeStore()
    try {
      await store.secrets.put('gone', 'x', T0)
      await store.secrets.put('kept', 'y', T0)
      assert.equal(await store.secrets.delete('gone'), true)
      assert.equal(await store.secrets.delete('gone'), false)
      assert.equal(await store.secrets.delete('never'), false)
      assert.equal(await store.secrets.get('gone'), undefined)
      assert.deepEqual((await store.secrets.list()).map((s) => s.name), ['kept'])
    } finally {
      await store.close()
    }
  })
}
