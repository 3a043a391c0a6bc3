import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { ManifestRecord, RepositoryRecord } from '../../../src/registry/records.ts'
import { type MakeStore, FAR_FUTURE, T0, TRICKY, at, assertRecord } from './support.ts'

const repo = (name: string, extra: Partial<RepositoryRecord> = {}): RepositoryRecord => ({
  name, createdAt: T0, imageTagMutability: 'MUTABLE', scanOnPush: false, encryptionType: 'AES256', ...extra,
})
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`
const manifest = (repository: string, n: number, extra: Partial<ManifestRecord> = {}): ManifestRecord => ({
  repository, digest: digest(n), mediaType: 'application/vnd.oci.image.manifest.v1+json', body: Buffer.from(`{"n":${n},"t":${JSON.stringify(TRICKY)}}`),
  imageSize: 2 ** 40 + n, children: [], pushedAt: at(n), ...extra,
})

/** `store.registry`: repositories, content-addressed blobs and their links, manifests (exact bytes), tags, uploads, pull-through rules. */
export function registryContract(makeStore: MakeStore): void {
  it('registry: repositories read back exactly; an existing name is refused; deleting one takes its images, tags, links and uploads', async () => {
    const store = await makeStore()
    try {
      const full = repo('team/app', { imageTagMutability: 'IMMUTABLE', scanOnPush: true, kmsKey: 'arn:aws:kms:k', lifecyclePolicy: `{"rules":[],"x":${JSON.stringify(TRICKY)}}`, lifecycleEvaluatedAt: FAR_FUTURE, pullThroughPrefix: 'hub' })
      assert.equal(await store.registry.insertRepository(full), true)
      assert.equal(await store.registry.insertRepository(repo('team/app')), false)
      assertRecord(await store.registry.getRepository('team/app'), full)
      const bare = await store.registry.getRepository('team/app')
      assert.ok(bare)
      await store.registry.insertRepository(repo('other'))
      assertRecord(await store.registry.getRepository('other'), repo('other'))
      assert.equal((await store.registry.getRepository('other'))?.lifecyclePolicy, undefined)

      await store.registry.putManifest(manifest('team/app', 1))
      await store.registry.putTag({ repository: 'team/app', tag: 'v1', digest: digest(1), pushedAt: T0 })
      await store.registry.linkBlob('team/app', digest(9))
      await store.registry.insertUpload({ id: '00000000-0000-0000-0000-000000000001', repository: 'team/app', startedAt: T0, chunks: [] })
      await store.registry.deleteRepository('team/app')
      assert.equal(await store.registry.getRepository('team/app'), undefined)
      assert.deepEqual(await store.registry.listManifests('team/app'), [])
      assert.deepEqual(await store.registry.listTags('team/app'), [])
      assert.equal(await store.registry.isLinked('team/app', digest(9)), false)
      assert.equal(await store.registry.getUpload('00000000-0000-0000-0000-000000000001'), undefined)
      assert.deepEqual((await store.registry.listRepositories()).map((r) => r.name), ['other'])
    } finally {
      await store.close()
    }
  })

  it('registry: a digest is stored once; links say which repositories hold it; manifests keep their bytes and sizes beyond 2^31', async () => {
    const store = await makeStore()
    try {
      assert.equal(await store.registry.insertBlob({ digest: digest(1), objectKey: 'blobs/a/0', size: 2 ** 33, createdAt: T0 }), true)
      assert.equal(await store.registry.insertBlob({ digest: digest(1), objectKey: 'blobs/b/0', size: 1, createdAt: T0 }), false)
      assert.deepEqual(await store.registry.getBlob(digest(1)), { digest: digest(1), objectKey: 'blobs/a/0', size: 2 ** 33, createdAt: T0 })
      await store.registry.linkBlob('r', digest(1))
      await store.registry.linkBlob('r', digest(1))
      assert.deepEqual(await store.registry.linkedOf('r', [digest(1), digest(2)]), new Set([digest(1)]))
      assert.equal(await store.registry.isLinked('s', digest(1)), false)

      const m = manifest('r', 5, { children: [digest(6), digest(7)], artifactType: 'application/x.test' })
      await store.registry.putManifest(m)
      await store.registry.putManifest({ ...m, mediaType: 'changed' })
      const back = await store.registry.getManifest('r', digest(5))
      assert.ok(back?.body.equals(m.body))
      assertRecord({ ...back, body: undefined }, { ...m, body: undefined })
      assert.deepEqual(await store.registry.manifestsOf('r', [digest(5), digest(6)]), new Set([digest(5)]))
      await store.registry.touchPulled('r', digest(5), at(120_000))
      assert.deepEqual((await store.registry.getManifest('r', digest(5)))?.lastPulledAt, at(120_000))
      await store.registry.touchPulled('r', digest(5), at(130_000))
      assert.deepEqual((await store.registry.getManifest('r', digest(5)))?.lastPulledAt, at(120_000), 'at most one write a minute')

      await store.registry.putTag({ repository: 'r', tag: 'b', digest: digest(5), pushedAt: T0 })
      await store.registry.putTag({ repository: 'r', tag: 'a', digest: digest(5), pushedAt: T0 })
      await store.registry.putTag({ repository: 'r', tag: 'b', digest: digest(8), pushedAt: at(1) })
      assert.deepEqual((await store.registry.listTags('r')).map((t) => [t.tag, t.digest]), [['a', digest(5)], ['b', digest(8)]])
      await store.registry.deleteManifest('r', digest(5))
      assert.deepEqual((await store.registry.listTags('r')).map((t) => t.tag), ['b'], 'deleting an image drops its tags')
    } finally {
      await store.close()
    }
  })

  it('registry: uploads keep their chunks in order; stale ones are found by age; pull-through rules by prefix', async () => {
    const store = await makeStore()
    try {
      const id = '00000000-0000-0000-0000-00000000000a'
      await store.registry.insertUpload({ id, repository: 'r', startedAt: T0, chunks: [] })
      await store.registry.updateUpload({ id, repository: 'r', startedAt: T0, chunks: [{ key: 'k0', size: 3, sha256: 'ab' }, { key: 'k1', size: 2 ** 35, sha256: 'cd' }] })
      assert.deepEqual((await store.registry.getUpload(id))?.chunks.map((c) => c.key), ['k0', 'k1'])
      assert.deepEqual((await store.registry.staleUploads(at(1))).map((u) => u.id), [id])
      assert.deepEqual(await store.registry.staleUploads(T0), [])
      await store.registry.deleteUpload(id)
      assert.equal(await store.registry.getUpload(id), undefined)

      const rule = { prefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', upstreamRegistry: 'docker-hub', createdAt: T0, updatedAt: FAR_FUTURE }
      assert.equal(await store.registry.insertPullThroughRule(rule), true)
      assert.equal(await store.registry.insertPullThroughRule({ ...rule, upstreamRegistryUrl: 'x' }), false)
      assertRecord((await store.registry.listPullThroughRules())[0], rule)
      assert.equal(await store.registry.deletePullThroughRule('hub'), true)
      assert.equal(await store.registry.deletePullThroughRule('hub'), false)
    } finally {
      await store.close()
    }
  })
}
