import { it } from 'node:test'
import assert from 'node:assert/strict'
import { type MakeStore, TRICKY } from './support.ts'

const ARN = 'arn:aws:codecommit:us-east-1:000000000000:tagged'
const OTHER = 'arn:aws:codecommit:us-east-1:000000000000:other'

/** `store.tags`: tags of any resource, keyed by ARN. */
export function tagsContract(makeStore: MakeStore): void {
  it('tags: an untagged resource has no tags; put adds and overwrites, keeping the other keys', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.tags.list(ARN), {})
      await store.tags.put(ARN, { team: 'build', env: 'dev' })
      await store.tags.put(ARN, { env: 'prod', owner: TRICKY })
      await store.tags.put(ARN, {})
      assert.deepEqual(await store.tags.list(ARN), { team: 'build', env: 'prod', owner: TRICKY })
    } finally {
      await store.close()
    }
  })

  it('tags: keys are exact (case-sensitive, unicode), empty values are kept as empty strings', async () => {
    const store = await makeStore()
    try {
      await store.tags.put(ARN, { Env: 'A', env: 'b', 'ключ 🔑': 'значение', empty: '' })
      assert.deepEqual(await store.tags.list(ARN), { Env: 'A', env: 'b', 'ключ 🔑': 'значение', empty: '' })
      await store.tags.remove(ARN, ['ENV', 'env'])
      assert.deepEqual(await store.tags.list(ARN), { Env: 'A', 'ключ 🔑': 'значение', empty: '' })
    } finally {
      await store.close()
    }
  })

  it('tags: remove drops the named keys only (unknown keys are ignored); removeAll drops one resource\'s tags', async () => {
    const store = await makeStore()
    try {
      await store.tags.put(ARN, { a: '1', b: '2', c: '3' })
      await store.tags.put(OTHER, { a: 'other' })
      await store.tags.remove(ARN, ['a', 'missing'])
      await store.tags.remove(ARN, [])
      assert.deepEqual(await store.tags.list(ARN), { b: '2', c: '3' })
      assert.deepEqual(await store.tags.list(OTHER), { a: 'other' })
      await store.tags.removeAll(ARN)
      assert.deepEqual(await store.tags.list(ARN), {})
      assert.deepEqual(await store.tags.list(OTHER), { a: 'other' })
      await store.tags.removeAll('arn:never:tagged')
      await store.tags.put(ARN, { fresh: 'yes' })
      assert.deepEqual(await store.tags.list(ARN), { fresh: 'yes' })
    } finally {
      await store.close()
    }
  })

  it('tags: ARNs are exact keys (a prefix or a different case is another resource)', async () => {
    const store = await makeStore()
    try {
      await store.tags.put(ARN, { k: 'v' })
      assert.deepEqual(await store.tags.list(`${ARN}-2`), {})
      assert.deepEqual(await store.tags.list(ARN.toUpperCase()), {})
      assert.deepEqual(await store.tags.list(ARN.slice(0, -1)), {})
    } finally {
      await store.close()
    }
  })
}
