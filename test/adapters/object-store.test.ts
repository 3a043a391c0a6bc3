import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { FolderObjectStore } from '../../src/artifacts/adapters/folder-object-store.ts'
import type { ObjectStore } from '../../src/artifacts/ports.ts'

const md5 = (data: string | Buffer) => `"${createHash('md5').update(data).digest('hex')}"`
const body = (data: string | Buffer) => Readable.from([Buffer.from(data)])
const read = async (store: ObjectStore, bucket: string, key: string, versionId?: string) =>
  text((await store.getObject(bucket, key, versionId !== undefined ? { versionId } : {})).body)

/** All files under `dir`, relative. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile())
}

async function rejectsWith(promise: Promise<unknown>, code: string, status?: number): Promise<void> {
  await assert.rejects(promise, (err: { code?: string; status?: number }) => {
    assert.equal(err.code, code)
    if (status !== undefined) assert.equal(err.status, status)
    return true
  })
}

describe('FolderObjectStore', () => {
  let root: string
  let store: FolderObjectStore

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-objects-'))
    store = new FolderObjectStore(path.join(root, 'buckets'))
  })
  after(() => fs.rmSync(root, { recursive: true, force: true }))

  it('creates, lists, heads and deletes buckets with S3 names and errors', async () => {
    await store.createBucket('alpha')
    await store.createBucket('beta.example-1')
    await rejectsWith(store.createBucket('alpha'), 'BucketAlreadyOwnedByYou', 409)
    for (const bad of ['ab', 'UPPER', 'a_b', '-abc', 'abc-', 'a..b', '192.168.1.1', 'x'.repeat(64), '.tmp', '..', 'a/b']) {
      await rejectsWith(store.createBucket(bad), 'InvalidBucketName', 400)
    }
    assert.deepEqual((await store.listBuckets()).map((b) => b.name), ['alpha', 'beta.example-1'])
    assert.equal(await store.headBucket('alpha'), true)
    assert.equal(await store.headBucket('nope'), false)
    assert.equal(await store.headBucket('../etc'), false)
    await store.putObject('alpha', 'k', body('x'))
    await rejectsWith(store.deleteBucket('alpha'), 'BucketNotEmpty', 409)
    await store.deleteObject('alpha', 'k')
    await store.deleteBucket('alpha')
    assert.equal(await store.headBucket('alpha'), false)
    await rejectsWith(store.deleteBucket('alpha'), 'NoSuchBucket', 404)
    await rejectsWith(store.putObject('alpha', 'k', body('x')), 'NoSuchBucket', 404)
    await store.deleteBucket('beta.example-1')
  })

  it('puts, gets and heads objects with MD5 ETags, content type and user metadata; a put replaces', async () => {
    await store.createBucket('plain')
    const put = await store.putObject('plain', 'a/b.txt', body('hello'), { contentType: 'text/plain', userMetadata: { owner: 'me' } })
    assert.deepEqual(put, { etag: md5('hello'), versionId: null })
    const head = await store.headObject('plain', 'a/b.txt')
    assert.equal(head.size, 5)
    assert.equal(head.etag, md5('hello'))
    assert.equal(head.contentType, 'text/plain')
    assert.deepEqual(head.userMetadata, { owner: 'me' })
    assert.equal(head.versionId, null)
    assert.equal(await read(store, 'plain', 'a/b.txt'), 'hello')

    await store.putObject('plain', 'a/b.txt', body('bye'))
    assert.equal(await read(store, 'plain', 'a/b.txt'), 'bye')
    assert.equal((await store.headObject('plain', 'a/b.txt')).contentType, undefined)
    assert.equal(filesUnder(path.join(root, 'buckets', 'plain', 'blobs')).length, 1, 'the replaced content is removed')
    await rejectsWith(store.headObject('plain', 'missing'), 'NoSuchKey', 404)
    await rejectsWith(store.getObject('plain', 'missing'), 'NoSuchKey', 404)

    await store.putObject('plain', 'empty', body(''))
    assert.equal((await store.headObject('plain', 'empty')).etag, md5(''))
    assert.equal(await read(store, 'plain', 'empty'), '')
  })

  it('serves inclusive byte ranges and refuses unsatisfiable ones', async () => {
    await store.createBucket('ranges')
    await store.putObject('ranges', 'digits', body('0123456789'))
    const first = await store.getObject('ranges', 'digits', { range: { start: 0, end: 3 } })
    assert.deepEqual(first.range, { start: 0, end: 3 })
    assert.equal(await text(first.body), '0123')
    const open = await store.getObject('ranges', 'digits', { range: { start: 7 } })
    assert.deepEqual(open.range, { start: 7, end: 9 })
    assert.equal(await text(open.body), '789')
    assert.equal(await text((await store.getObject('ranges', 'digits', { range: { start: 8, end: 100 } })).body), '89')
    await rejectsWith(store.getObject('ranges', 'digits', { range: { start: 10 } }), 'InvalidRange', 416)
  })

  it('leaves no object and no temp file behind when the body stream fails midway', async () => {
    await store.createBucket('atomic')
    await store.putObject('atomic', 'kept', body('old content'))
    const failing = () =>
      Readable.from(
        (async function* () {
          yield Buffer.alloc(64 * 1024, 1)
          yield Buffer.alloc(64 * 1024, 2)
          throw new Error('client went away')
        })(),
      )
    await assert.rejects(store.putObject('atomic', 'new', failing()), /client went away/)
    await assert.rejects(store.putObject('atomic', 'kept', failing()), /client went away/)
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
    await rejectsWith(store.putObject('keys', 'y'.repeat(1025), body('x')), 'KeyTooLongError', 400)
    await rejectsWith(store.putObject('keys', 'é'.repeat(513), body('x')), 'KeyTooLongError', 400)
    const bucketDir = path.join(root, 'buckets', 'keys')
    for (const file of filesUnder(bucketDir)) {
      assert.match(file, /^(bucket\.json|keys\/[0-9a-f]{2}\/[0-9a-f]{64}\.json|blobs\/[0-9a-f]{2}\/[0-9a-f]{32})$/, file)
    }
    assert.equal(fs.existsSync(path.join(root, 'escape')), false)
    const listed = (await store.listObjects('keys', {})).objects.map((o) => o.key)
    assert.deepEqual(new Set(listed), new Set(keys))
  })

  it('lists in UTF-8 binary order with prefix, delimiter, max-keys, start-after and continuation tokens', async () => {
    await store.createBucket('listing')
    const keys = ['a/1', 'a/2', 'a/b/1', 'b', 'c/x/y', 'c/z', 'd', '\uffff', '😀', 'A']
    for (const key of keys) await store.putObject('listing', key, body(key))
    const all = await store.listObjects('listing', {})
    assert.deepEqual(all.objects.map((o) => o.key), ['A', 'a/1', 'a/2', 'a/b/1', 'b', 'c/x/y', 'c/z', 'd', '\uffff', '😀'])
    assert.equal(all.isTruncated, false)

    const top = await store.listObjects('listing', { delimiter: '/' })
    assert.deepEqual(top.objects.map((o) => o.key), ['A', 'b', 'd', '\uffff', '😀'])
    assert.deepEqual(top.commonPrefixes, ['a/', 'c/'])
    const underA = await store.listObjects('listing', { prefix: 'a/', delimiter: '/' })
    assert.deepEqual(underA.objects.map((o) => o.key), ['a/1', 'a/2'])
    assert.deepEqual(underA.commonPrefixes, ['a/b/'])

    const seen: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const page = await store.listObjects('listing', { delimiter: '/', maxKeys: 2, ...(token ? { continuationToken: token } : {}) })
      seen.push(...page.objects.map((o) => o.key), ...page.commonPrefixes)
      token = page.nextContinuationToken
      assert.equal(page.isTruncated, token !== undefined)
      pages++
    } while (token)
    assert.equal(pages, 4)
    assert.deepEqual(seen.sort(), ['A', 'a/', 'b', 'c/', 'd', '\uffff', '😀'].sort())

    assert.deepEqual((await store.listObjects('listing', { startAfter: 'b' })).objects.map((o) => o.key), ['c/x/y', 'c/z', 'd', '\uffff', '😀'])
    await rejectsWith(store.listObjects('listing', { continuationToken: 'garbage' }), 'InvalidArgument', 400)
  })

  it('keeps versions when versioning is enabled, with delete markers, and a null version otherwise', async () => {
    await store.createBucket('versioned')
    const nullPut = await store.putObject('versioned', 'doc', body('v0'))
    assert.equal(nullPut.versionId, null)
    await store.putBucketVersioning('versioned', 'Enabled')
    assert.equal(await store.getBucketVersioning('versioned'), 'Enabled')
    const v1 = await store.putObject('versioned', 'doc', body('v1'))
    const v2 = await store.putObject('versioned', 'doc', body('v2'))
    assert.ok(v1.versionId && v2.versionId && v1.versionId !== v2.versionId)
    assert.equal(await read(store, 'versioned', 'doc'), 'v2')
    assert.equal(await read(store, 'versioned', 'doc', v1.versionId), 'v1')
    assert.equal(await read(store, 'versioned', 'doc', 'null'), 'v0')
    await rejectsWith(store.getObject('versioned', 'doc', { versionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'NoSuchVersion', 404)

    const del = await store.deleteObject('versioned', 'doc')
    assert.equal(del.deleteMarker, true)
    assert.ok(del.versionId)
    await assert.rejects(store.getObject('versioned', 'doc'), (err: { code: string; headers: Record<string, string> }) => {
      assert.equal(err.code, 'NoSuchKey')
      assert.equal(err.headers['x-amz-delete-marker'], 'true')
      return true
    })
    await rejectsWith(store.headObject('versioned', 'doc', { versionId: del.versionId as string }), 'MethodNotAllowed', 405)
    assert.deepEqual((await store.listObjects('versioned', {})).objects, [])

    const versions = await store.listObjectVersions('versioned', {})
    assert.deepEqual(
      versions.versions.map((v) => [v.versionId, v.deleteMarker, v.isLatest]),
      [[del.versionId, true, true], [v2.versionId, false, false], [v1.versionId, false, false], [null, false, false]],
    )
    const paged = await store.listObjectVersions('versioned', { maxKeys: 2 })
    assert.equal(paged.isTruncated, true)
    const rest = await store.listObjectVersions('versioned', { keyMarker: paged.nextKeyMarker as string, versionIdMarker: paged.nextVersionIdMarker as string })
    assert.deepEqual(rest.versions.map((v) => v.versionId), [v1.versionId, null])

    await store.deleteObject('versioned', 'doc', { versionId: del.versionId as string })
    assert.equal(await read(store, 'versioned', 'doc'), 'v2', 'removing the delete marker restores the object')
    await rejectsWith(store.deleteBucket('versioned'), 'BucketNotEmpty')

    await store.putBucketVersioning('versioned', 'Suspended')
    const s1 = await store.putObject('versioned', 'doc', body('s1'))
    assert.equal(s1.versionId, null)
    const afterSuspend = await store.listObjectVersions('versioned', {})
    assert.deepEqual(afterSuspend.versions.map((v) => v.versionId), [null, v2.versionId, v1.versionId], 'the suspended put replaced the null version')
    assert.equal(await read(store, 'versioned', 'doc'), 's1')
  })

  it('runs multipart uploads with S3 ETags, part rules and abort', async () => {
    await store.createBucket('multi')
    const fiveMiB = Buffer.alloc(5 * 1024 * 1024, 'a')
    const id = await store.createMultipartUpload('multi', 'big.bin', { contentType: 'application/zip', userMetadata: { kind: 'test' } })
    const p1 = await store.uploadPart('multi', 'big.bin', id, 1, body('too small'))
    const p2 = await store.uploadPart('multi', 'big.bin', id, 2, body('tail'))
    await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]), 'EntityTooSmall', 400)
    const p1again = await store.uploadPart('multi', 'big.bin', id, 1, body(fiveMiB))
    await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]), 'InvalidPart', 400)
    await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 2, etag: p2.etag }, { partNumber: 1, etag: p1again.etag }]), 'InvalidPartOrder', 400)
    await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 3, etag: p2.etag }]), 'InvalidPart', 400)
    await rejectsWith(store.uploadPart('multi', 'big.bin', id, 0, body('x')), 'InvalidArgument', 400)
    await rejectsWith(store.uploadPart('multi', 'other-key', id, 1, body('x')), 'NoSuchUpload', 404)

    const done = await store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1again.etag.replaceAll('"', '') }, { partNumber: 2, etag: p2.etag }])
    const expected = createHash('md5').update(Buffer.concat([createHash('md5').update(fiveMiB).digest(), createHash('md5').update('tail').digest()])).digest('hex')
    assert.equal(done.etag, `"${expected}-2"`)
    const head = await store.headObject('multi', 'big.bin')
    assert.equal(head.size, fiveMiB.length + 4)
    assert.equal(head.contentType, 'application/zip')
    assert.deepEqual(head.userMetadata, { kind: 'test' })
    const tail = await store.getObject('multi', 'big.bin', { range: { start: fiveMiB.length - 1 } })
    assert.equal(await text(tail.body), 'atail')
    await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1again.etag }]), 'NoSuchUpload', 404)

    const aborted = await store.createMultipartUpload('multi', 'gone')
    await store.uploadPart('multi', 'gone', aborted, 1, body('x'))
    await store.abortMultipartUpload('multi', 'gone', aborted)
    await rejectsWith(store.uploadPart('multi', 'gone', aborted, 1, body('x')), 'NoSuchUpload', 404)
    await rejectsWith(store.abortMultipartUpload('multi', 'gone', aborted), 'NoSuchUpload', 404)
    await rejectsWith(store.abortMultipartUpload('multi', 'gone', '../../../etc'), 'NoSuchUpload', 404)
    assert.deepEqual(fs.readdirSync(path.join(root, 'buckets', 'multi', 'uploads')), [])
    assert.deepEqual(filesUnder(path.join(root, 'buckets', '.tmp')), [])
  })

  it('copies objects keeping or replacing metadata, and refuses a copy onto itself', async () => {
    await store.createBucket('copies')
    await store.putObject('copies', 'src', body('payload'), { contentType: 'text/x-src', userMetadata: { a: '1' } })
    const kept = await store.copyObject({ bucket: 'copies', key: 'src' }, { bucket: 'copies', key: 'dst' })
    assert.equal(kept.etag, md5('payload'))
    assert.ok(kept.lastModified instanceof Date)
    const head = await store.headObject('copies', 'dst')
    assert.equal(head.contentType, 'text/x-src')
    assert.deepEqual(head.userMetadata, { a: '1' })
    await store.copyObject({ bucket: 'copies', key: 'src' }, { bucket: 'copies', key: 'src' }, { contentType: 'text/plain', userMetadata: { b: '2' } })
    assert.deepEqual((await store.headObject('copies', 'src')).userMetadata, { b: '2' })
    await rejectsWith(store.copyObject({ bucket: 'copies', key: 'src' }, { bucket: 'copies', key: 'src' }), 'InvalidRequest', 400)
    await rejectsWith(store.copyObject({ bucket: 'copies', key: 'nope' }, { bucket: 'copies', key: 'x' }), 'NoSuchKey', 404)
  })

  it('tells listeners about created objects, after they are visible, and not about failed writes', async () => {
    await store.createBucket('events')
    const events: { key: string; visible: boolean; size: number }[] = []
    const off = store.onObjectCreated((e) => {
      events.push({ key: e.key, visible: false, size: e.size })
      void store.headObject(e.bucket, e.key).then(() => {
        const entry = events.find((x) => x.key === e.key)
        if (entry) entry.visible = true
      })
    })
    await store.putObject('events', 'one', body('1'))
    await store.copyObject({ bucket: 'events', key: 'one' }, { bucket: 'events', key: 'two' })
    const id = await store.createMultipartUpload('events', 'three')
    const part = await store.uploadPart('events', 'three', id, 1, body('333'))
    await store.completeMultipartUpload('events', 'three', id, [{ partNumber: 1, etag: part.etag }])
    await assert.rejects(store.putObject('events', 'four', Readable.from((async function* () { yield Buffer.from('x'); throw new Error('boom') })())))
    await new Promise((r) => setImmediate(r))
    off()
    await store.putObject('events', 'five', body('5'))
    assert.deepEqual(events, [
      { key: 'one', visible: true, size: 1 },
      { key: 'two', visible: true, size: 1 },
      { key: 'three', visible: true, size: 3 },
    ])
  })

  it('serialises concurrent writes: every versioned put is kept, the last unversioned put wins whole', async () => {
    await store.createBucket('busy')
    await store.putBucketVersioning('busy', 'Enabled')
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.putObject('busy', 'same', body(`v${i}`))))
    assert.equal((await store.listObjectVersions('busy', {})).versions.length, 20)
    await store.createBucket('busy2')
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.putObject('busy2', 'same', body(`value-${i}`.repeat(1000)))))
    assert.match(await read(store, 'busy2', 'same'), /^(value-\d+)\1{999}$/)
    assert.equal(filesUnder(path.join(root, 'buckets', 'busy2', 'blobs')).length, 1)
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.putObject('busy2', `k${i}`, body(String(i)))))
    assert.equal((await store.listObjects('busy2', {})).objects.length, 51)
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
