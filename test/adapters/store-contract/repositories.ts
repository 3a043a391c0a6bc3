import { it } from 'node:test'
import assert from 'node:assert/strict'
import { NameTaken, type RepositoryRecord } from '../../../src/git/records.ts'
import { type MakeStore, BYTE_ORDER, FAR_FUTURE, SHUFFLED, T0, TRICKY, at, assertRecord } from './support.ts'

const repo = (id: string, name: string, extra: Partial<RepositoryRecord> = {}): RepositoryRecord => ({ id, name, createdAt: T0, lastModifiedAt: T0, ...extra })
const sha = (c: string) => c.repeat(40)

/** `store.repositories`: CodeCommit repositories (unique names) and their published ref snapshot. */
export function repositoriesContract(makeStore: MakeStore): void {
  it('repositories: inserts and reads back by id and by exact name; optional fields read back undefined', async () => {
    const store = await makeStore()
    try {
      const full = repo('id-full', 'full', { description: TRICKY, kmsKeyId: 'alias/aws/codecommit', createdAt: at(-5000), lastModifiedAt: FAR_FUTURE })
      const bare = repo('id-bare', 'bare')
      await store.repositories.insert(full)
      await store.repositories.insert(bare)
      assertRecord(await store.repositories.getById('id-full'), full)
      assertRecord(await store.repositories.getByName('full'), full)
      const read = await store.repositories.getByName('bare')
      assertRecord(read, bare)
      assert.equal(read?.description, undefined)
      assert.equal(read?.kmsKeyId, undefined)
      assert.equal(await store.repositories.getByName('FULL'), undefined, 'names match exactly (case-sensitive)')
      assert.equal(await store.repositories.getByName('missing'), undefined)
      assert.equal(await store.repositories.getById('missing'), undefined)
    } finally {
      await store.close()
    }
  })

  it('repositories: a taken name throws NameTaken on insert and on rename; the stored rows are unchanged', async () => {
    const store = await makeStore()
    try {
      await store.repositories.insert(repo('r1', 'one'))
      await store.repositories.insert(repo('r2', 'two'))
      await assert.rejects(store.repositories.insert(repo('r3', 'one')), NameTaken)
      await assert.rejects(store.repositories.rename('r2', 'one', at(1000)), NameTaken)
      assertRecord(await store.repositories.getById('r2'), repo('r2', 'two'))
      assert.equal(await store.repositories.getById('r3'), undefined)
      await store.repositories.insert(repo('r4', 'One'))
      assert.equal((await store.repositories.getByName('One'))?.id, 'r4', 'names differing only in case are distinct')
    } finally {
      await store.close()
    }
  })

  it('repositories: rename moves the name (the old one is free again), stamps lastModifiedAt, keeps the rest', async () => {
    const store = await makeStore()
    try {
      const original = repo('r1', 'before', { description: 'd', createdAt: at(-1) })
      await store.repositories.insert(original)
      await store.repositories.rename('r1', 'after', at(1000))
      assertRecord(await store.repositories.getByName('after'), { ...original, name: 'after', lastModifiedAt: at(1000) })
      assert.equal(await store.repositories.getByName('before'), undefined)
      await store.repositories.insert(repo('r2', 'before'))
      assert.equal((await store.repositories.getByName('before'))?.id, 'r2')
      await store.repositories.rename('r1', 'after', at(2000))
      assert.equal((await store.repositories.getById('r1'))?.name, 'after', 'renaming to its own name is no clash')
    } finally {
      await store.close()
    }
  })

  it('repositories: setDescription sets and clears the description; touch moves only lastModifiedAt', async () => {
    const store = await makeStore()
    try {
      await store.repositories.insert(repo('r1', 'described', { kmsKeyId: 'k' }))
      await store.repositories.setDescription('r1', TRICKY, at(1000))
      assertRecord(await store.repositories.getById('r1'), repo('r1', 'described', { kmsKeyId: 'k', description: TRICKY, lastModifiedAt: at(1000) }))
      await store.repositories.setDescription('r1', undefined, at(2000))
      const cleared = await store.repositories.getById('r1')
      assert.equal(cleared?.description, undefined)
      assertRecord(cleared, repo('r1', 'described', { kmsKeyId: 'k', lastModifiedAt: at(2000) }))
      await store.repositories.touch('r1', FAR_FUTURE)
      assertRecord(await store.repositories.getById('r1'), repo('r1', 'described', { kmsKeyId: 'k', lastModifiedAt: FAR_FUTURE }))
    } finally {
      await store.close()
    }
  })

  it('repositories: list by name sorts byte-wise, ascending and descending', async () => {
    const store = await makeStore()
    try {
      for (const [i, name] of SHUFFLED.entries()) await store.repositories.insert(repo(`id-${i}`, name))
      assert.deepEqual((await store.repositories.list('repositoryName', 'ascending')).map((r) => r.name), BYTE_ORDER)
      assert.deepEqual((await store.repositories.list('repositoryName', 'descending')).map((r) => r.name), [...BYTE_ORDER].reverse())
    } finally {
      await store.close()
    }
  })

  it('repositories: list by lastModifiedDate sorts by instant, ascending and descending, and returns whole records', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.repositories.list('lastModifiedDate', 'ascending'), [])
      await store.repositories.insert(repo('a', 'middle', { lastModifiedAt: at(1) }))
      await store.repositories.insert(repo('b', 'newest', { lastModifiedAt: FAR_FUTURE, description: 'x' }))
      await store.repositories.insert(repo('c', 'oldest', { lastModifiedAt: new Date(0) }))
      await store.repositories.insert(repo('d', 'recent', { lastModifiedAt: at(2) }))
      await store.repositories.touch('c', at(3))
      const ascending = await store.repositories.list('lastModifiedDate', 'ascending')
      assert.deepEqual(ascending.map((r) => r.name), ['middle', 'recent', 'oldest', 'newest'])
      assert.deepEqual((await store.repositories.list('lastModifiedDate', 'descending')).map((r) => r.name), ['newest', 'oldest', 'recent', 'middle'])
      assertRecord(ascending[3], repo('b', 'newest', { lastModifiedAt: FAR_FUTURE, description: 'x' }))
    } finally {
      await store.close()
    }
  })

  it('repositories: setRef upserts and removes refs of one repository only; ref names are exact', async () => {
    const store = await makeStore()
    try {
      await store.repositories.insert(repo('g1', 'refs'))
      await store.repositories.insert(repo('g2', 'other'))
      assert.deepEqual(await store.repositories.refs('g1'), new Map())
      await store.repositories.setRef('g1', 'refs/heads/main', sha('a'))
      await store.repositories.setRef('g1', 'refs/heads/main', sha('b'))
      await store.repositories.setRef('g1', 'refs/heads/Main', sha('c'))
      await store.repositories.setRef('g1', 'refs/heads/fête/😀', sha('d'))
      await store.repositories.setRef('g1', 'refs/tags/v1', sha('e'))
      await store.repositories.setRef('g2', 'refs/heads/main', sha('f'))
      await store.repositories.setRef('g1', 'refs/tags/v1', null)
      await store.repositories.setRef('g1', 'refs/heads/never-existed', null)
      assert.deepEqual(await store.repositories.refs('g1'), new Map([['refs/heads/main', sha('b')], ['refs/heads/Main', sha('c')], ['refs/heads/fête/😀', sha('d')]]))
      assert.deepEqual(await store.repositories.refs('g2'), new Map([['refs/heads/main', sha('f')]]))
    } finally {
      await store.close()
    }
  })

  it('repositories: delete removes the repository with its ref snapshot, and frees its name', async () => {
    const store = await makeStore()
    try {
      await store.repositories.insert(repo('d1', 'doomed'))
      await store.repositories.insert(repo('k1', 'kept'))
      await store.repositories.setRef('d1', 'refs/heads/main', sha('a'))
      await store.repositories.setRef('k1', 'refs/heads/main', sha('b'))
      await store.repositories.delete('d1')
      assert.equal(await store.repositories.getById('d1'), undefined)
      assert.equal(await store.repositories.getByName('doomed'), undefined)
      assert.deepEqual(await store.repositories.refs('d1'), new Map())
      assert.deepEqual(await store.repositories.refs('k1'), new Map([['refs/heads/main', sha('b')]]))
      await store.repositories.insert(repo('d1', 'doomed'))
      assert.deepEqual(await store.repositories.refs('d1'), new Map(), 'a new repository never inherits an old snapshot')
      await store.repositories.delete('never-existed')
      assert.deepEqual((await store.repositories.list('repositoryName', 'ascending')).map((r) => r.id), ['d1', 'k1'])
    } finally {
      await store.close()
    }
  })
}
