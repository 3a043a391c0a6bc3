import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { FolderObjectStore } from '../../src/artifacts/adapters/folder-object-store.ts'
import { body, describeObjectStore, EVERY_FEATURE, failingBody, read, rejectsWith } from './object-store-suite.ts'
import { expireIncompleteUploads } from '../../src/artifacts/expire-uploads.ts'
import { ManualClock } from '../helpers/manual-clock.ts'

/** All files under `dir`, relative. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile())
}

describeObjectStore(
  'FolderObjectStore',
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-objects-'))
    return { store: new FolderObjectStore(path.join(root, 'buckets')), cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) }
  },
  { ...EVERY_FEATURE, defaultContentType: undefined },
)

/** What only the folder store has: files on disk, temp files, crash leftovers. */
describe('FolderObjectStore on disk', () => {
  let root: string
  let store: FolderObjectStore

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-objects-'))
    store = new FolderObjectStore(path.join(root, 'buckets'))
  })
  after(() => fs.rmSync(root, { recursive: true, force: true }))

  it('expires the multipart uploads older than the age, freeing their parts, and leaves the younger ones', async () => {
    const clock = new ManualClock()
    const dir = path.join(root, 'expiry')
    const aged = new FolderObjectStore(dir, { clock })
    await aged.createBucket('uploads')
    const old = await aged.createMultipartUpload('uploads', 'old.bin')
    await aged.uploadPart('uploads', 'old.bin', old, 1, body('x'.repeat(300_000)))
    await aged.uploadPart('uploads', 'old.bin', old, 2, body('y'.repeat(1000)))
    clock.advance(2 * 3_600_000)
    const young = await aged.createMultipartUpload('uploads', 'young.bin')
    await aged.uploadPart('uploads', 'young.bin', young, 1, body('z'))
    clock.advance(3_600_000)
    const sizeBefore = filesUnder(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0)
    assert.deepEqual(await expireIncompleteUploads(aged, clock.now(), 2.5 * 3_600_000), { uploads: 1, bytes: 301_000 })
    const left = await aged.listMultipartUploads('uploads', { prefix: '', maxUploads: 1000 })
    assert.deepEqual(left.uploads.map((u) => u.key), ['young.bin'])
    const sizeAfter = filesUnder(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0)
    assert.ok(sizeBefore - sizeAfter >= 301_000, `the old parts' bytes are gone from disk (${sizeBefore} → ${sizeAfter})`)
    assert.deepEqual(await expireIncompleteUploads(aged, clock.now(), 2.5 * 3_600_000), { uploads: 0, bytes: 0 }, 'nothing twice')
  })

  it('removes the content a put replaced', async () => {
    await store.createBucket('plain')
    await store.putObject('plain', 'a/b.txt', body('hello'), { contentType: 'text/plain', userMetadata: { owner: 'me' } })
    await store.putObject('plain', 'a/b.txt', body('bye'))
    assert.equal(await read(store, 'plain', 'a/b.txt'), 'bye')
    assert.equal(filesUnder(path.join(root, 'buckets', 'plain', 'blobs')).length, 1, 'the replaced content is removed')
  })

  it('leaves no temp file and no content behind when the body stream fails midway', async () => {
    await store.createBucket('atomic')
    await store.putObject('atomic', 'kept', body('old content'))
    await assert.rejects(store.putObject('atomic', 'new', failingBody()), /client went away/)
    await assert.rejects(store.putObject('atomic', 'kept', failingBody()), /client went away/)
    await rejectsWith(store.headObject('atomic', 'new'), 'NoSuchKey')
    assert.equal(await read(store, 'atomic', 'kept'), 'old content')
    assert.deepEqual(filesUnder(path.join(root, 'buckets', '.tmp')), [])
    assert.equal(filesUnder(path.join(root, 'buckets', 'atomic', 'blobs')).length, 1)
    assert.deepEqual((await store.listObjects('atomic', {})).objects.map((o) => o.key), ['kept'])
  })

  it('maps any key safely: traversal, unicode, spaces, long keys never become paths', async () => {
    await store.createBucket('keys')
    const keys = ['../../escape', '/leading/slash', 'a/./b/../c', 'spaces in name .txt', 'ünïcødé/日本語/😀', '..', '.', 'x'.repeat(1024), 'nul\u0001ctl', 'back\\slash']
    for (const key of keys) await store.putObject('keys', key, body(`content of ${key.slice(0, 20)}`))
    for (const key of keys) assert.equal(await read(store, 'keys', key), `content of ${key.slice(0, 20)}`)
    const bucketDir = path.join(root, 'buckets', 'keys')
    for (const file of filesUnder(bucketDir)) {
      assert.match(file, /^(bucket\.json|keys\/[0-9a-f]{2}\/[0-9a-f]{64}\.json|blobs\/[0-9a-f]{2}\/[0-9a-f]{32})$/, file)
    }
    assert.equal(fs.existsSync(path.join(root, 'escape')), false)
    const listed = (await store.listObjects('keys', {})).objects.map((o) => o.key)
    assert.deepEqual(new Set(listed), new Set(keys))
  })

  it('leaves no upload folder and no temp file behind once uploads are completed or aborted', async () => {
    await store.createBucket('multi')
    const fiveMiB = Buffer.alloc(5 * 1024 * 1024, 'a')
    const id = await store.createMultipartUpload('multi', 'big.bin')
    const p1 = await store.uploadPart('multi', 'big.bin', id, 1, body('too small'))
    const p2 = await store.uploadPart('multi', 'big.bin', id, 2, body('tail'))
    await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]), 'EntityTooSmall', 400)
    const p1again = await store.uploadPart('multi', 'big.bin', id, 1, body(fiveMiB))
    await store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1again.etag }, { partNumber: 2, etag: p2.etag }])
    const aborted = await store.createMultipartUpload('multi', 'gone')
    await store.uploadPart('multi', 'gone', aborted, 1, body('x'))
    await store.abortMultipartUpload('multi', 'gone', aborted)
    await rejectsWith(store.abortMultipartUpload('multi', 'gone', '../../../etc'), 'NoSuchUpload', 404)
    assert.deepEqual(fs.readdirSync(path.join(root, 'buckets', 'multi', 'uploads')), [])
    assert.deepEqual(filesUnder(path.join(root, 'buckets', '.tmp')), [])
  })

  it('keeps one content file when concurrent unversioned puts replace each other', async () => {
    await store.createBucket('busy2')
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.putObject('busy2', 'same', body(`value-${i}`.repeat(1000)))))
    assert.match(await read(store, 'busy2', 'same'), /^(value-\d+)\1{999}$/)
    assert.equal(filesUnder(path.join(root, 'buckets', 'busy2', 'blobs')).length, 1)
  })

  it('reopens with its data, and clears temp files and unreferenced content left by a crash', async () => {
    await store.createBucket('durable')
    await store.putObject('durable', 'k', body('persisted'))
    const dir = path.join(root, 'buckets')
    fs.writeFileSync(path.join(dir, '.tmp', 'half-written.tmp'), 'partial')
    fs.mkdirSync(path.join(dir, 'durable', 'blobs', 'ff'), { recursive: true })
    const orphan = path.join(dir, 'durable', 'blobs', 'ff', 'ff'.repeat(16))
    fs.writeFileSync(orphan, 'orphan')
    const past = new Date(Date.now() - 60_000)
    fs.utimesSync(orphan, past, past)

    const reopened = new FolderObjectStore(dir)
    assert.equal(await read(reopened, 'durable', 'k'), 'persisted')
    assert.deepEqual(fs.readdirSync(path.join(dir, '.tmp')), [])
    assert.equal(fs.existsSync(orphan), false)
    assert.ok((await reopened.listBuckets()).some((b) => b.name === 'durable'))
  })
})
