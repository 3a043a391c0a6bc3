import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import type { ObjectStore } from '../../src/artifacts/ports.ts'

export const md5 = (data: string | Buffer) => `"${createHash('md5').update(data).digest('hex')}"`
export const body = (data: string | Buffer) => Readable.from([Buffer.from(data)])
export const read = async (store: ObjectStore, bucket: string, key: string, versionId?: string) =>
  text((await store.getObject(bucket, key, versionId !== undefined ? { versionId } : {})).body)

export async function rejectsWith(promise: Promise<unknown>, code: string, status?: number): Promise<void> {
  await assert.rejects(promise, (err: { code?: string; status?: number }) => {
    assert.equal(err.code, code)
    if (status !== undefined) assert.equal(err.status, status)
    return true
  })
}

/** A body that sends 128 KiB and then fails, as a client that goes away mid-upload. */
export const failingBody = () =>
  Readable.from(
    (async function* () {
      yield Buffer.alloc(64 * 1024, 1)
      yield Buffer.alloc(64 * 1024, 2)
      throw new Error('client went away')
    })(),
  )

/** A store has a behaviour (`true`), or lacks it and says why: its cases are then skipped with that reason. */
export type Support = true | string

export type StoreFeatures = {
  /** Content type a store reports for an object written without one (the S3 SDK sends `application/octet-stream`). */
  defaultContentType: string | undefined
  /** Bucket versioning: version ids, delete markers, ListObjectVersions, suspension. */
  versioning: Support
  /** ListObjectsV2 pages joined by continuation tokens. */
  listPaging: Support
  /** Keys shaped like paths: `../../escape`, `..`, `.`, `a/./b/../c`, a leading `/`, 1024 bytes. */
  pathLikeKeys: Support
  /** CompleteMultipartUpload checks the parts (InvalidPart, InvalidPartOrder, EntityTooSmall) and upload ids (NoSuchUpload), and answers S3's multipart ETag. */
  multipartChecks: Support
  /** AbortMultipartUpload. */
  abortUpload: Support
  /** ListMultipartUploads. */
  listUploads: Support
  /** ListParts. */
  listParts: Support
  /** Concurrent puts to one key: the object is one of them, whole. */
  atomicOverwrite: Support
}

/** Every behaviour S3 has (what a complete store declares, with its default content type). */
export const EVERY_FEATURE: Omit<StoreFeatures, 'defaultContentType'> = {
  versioning: true,
  listPaging: true,
  pathLikeKeys: true,
  multipartChecks: true,
  abortUpload: true,
  listUploads: true,
  listParts: true,
  atomicOverwrite: true,
}

export type StoreUnderTest = { store: ObjectStore; cleanup(): Promise<void> }

const when = (support: Support) => (support === true ? {} : { skip: support })

/**
 * The behaviour every `ObjectStore` must have, whatever keeps the bytes: run against the folder store
 * and against `S3ObjectStore` on an S3 server. Cases share one store and use a bucket each; a case
 * whose behaviour the store lacks (`features`) is skipped, with the store's reason printed.
 */
export function describeObjectStore(name: string, make: () => Promise<StoreUnderTest>, features: StoreFeatures): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: StoreUnderTest
    let store: ObjectStore

    before(async () => {
      subject = await make()
      store = subject.store
    })
    after(() => subject?.cleanup())

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

    it('answers NoSuchBucket to object calls on a missing bucket', async () => {
      await rejectsWith(store.getObject('missing-bucket', 'k'), 'NoSuchBucket', 404)
      await rejectsWith(store.headObject('missing-bucket', 'k'), 'NoSuchBucket', 404)
      await rejectsWith(store.deleteObject('missing-bucket', 'k'), 'NoSuchBucket', 404)
      await rejectsWith(store.listObjects('missing-bucket', {}), 'NoSuchBucket', 404)
      await rejectsWith(store.createMultipartUpload('missing-bucket', 'k'), 'NoSuchBucket', 404)
      await rejectsWith(store.getBucketVersioning('missing-bucket'), 'NoSuchBucket', 404)
      await store.createBucket('present')
      await store.putObject('present', 'k', body('x'))
      await rejectsWith(store.copyObject({ bucket: 'present', key: 'k' }, { bucket: 'missing-bucket', key: 'k' }), 'NoSuchBucket', 404)
      await rejectsWith(store.copyObject({ bucket: 'missing-bucket', key: 'k' }, { bucket: 'present', key: 'k2' }), 'NoSuchBucket', 404)
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
      assert.equal((await store.headObject('plain', 'a/b.txt')).contentType, features.defaultContentType)
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
      assert.equal(first.meta.size, 10, 'the object size, not the range length')
      assert.equal(await text(first.body), '0123')
      const open = await store.getObject('ranges', 'digits', { range: { start: 7 } })
      assert.deepEqual(open.range, { start: 7, end: 9 })
      assert.equal(await text(open.body), '789')
      assert.equal(await text((await store.getObject('ranges', 'digits', { range: { start: 8, end: 100 } })).body), '89')
      await rejectsWith(store.getObject('ranges', 'digits', { range: { start: 10 } }), 'InvalidRange', 416)
      await rejectsWith(store.getObject('ranges', 'digits', { range: { start: 5, end: 2 } }), 'InvalidRange', 416)
      await rejectsWith(store.getObject('ranges', 'missing', { range: { start: 0 } }), 'NoSuchKey', 404)
    })

    it('creates no object when the body stream fails midway, and keeps the old one', async () => {
      await store.createBucket('atomic')
      await store.putObject('atomic', 'kept', body('old content'))
      await assert.rejects(store.putObject('atomic', 'new', failingBody()), /client went away/)
      await assert.rejects(store.putObject('atomic', 'kept', failingBody()), /client went away/)
      await rejectsWith(store.headObject('atomic', 'new'), 'NoSuchKey')
      assert.equal(await read(store, 'atomic', 'kept'), 'old content')
      assert.deepEqual((await store.listObjects('atomic', {})).objects.map((o) => o.key), ['kept'])
    })

    it('keeps keys with unicode, spaces, control characters, backslashes and URL metacharacters', async () => {
      await store.createBucket('keys')
      const keys = ['spaces in name .txt', 'ünïcødé/日本語/😀', 'nul\u0001ctl', 'back\\slash', 'x+y=z&q?r#s%t;u,v@w']
      for (const key of keys) await store.putObject('keys', key, body(`content of ${key.slice(0, 20)}`))
      for (const key of keys) assert.equal(await read(store, 'keys', key), `content of ${key.slice(0, 20)}`)
      const listed = (await store.listObjects('keys', {})).objects.map((o) => o.key)
      assert.deepEqual(new Set(listed), new Set(keys))
    })

    it('keeps path-like keys: traversal, dot segments, a leading slash, 1024 bytes', when(features.pathLikeKeys), async () => {
      await store.createBucket('path-keys')
      const keys = ['../../escape', '/leading/slash', 'a/./b/../c', '..', '.', 'x'.repeat(1024)]
      for (const key of keys) await store.putObject('path-keys', key, body(`content of ${key.slice(0, 20)}`))
      for (const key of keys) assert.equal(await read(store, 'path-keys', key), `content of ${key.slice(0, 20)}`)
      const listed = (await store.listObjects('path-keys', {})).objects.map((o) => o.key)
      assert.deepEqual(new Set(listed), new Set(keys))
    })

    it('refuses keys longer than 1024 UTF-8 bytes', async () => {
      await store.createBucket('long-keys')
      await rejectsWith(store.putObject('long-keys', 'y'.repeat(1025), body('x')), 'KeyTooLongError', 400)
      await rejectsWith(store.putObject('long-keys', 'é'.repeat(513), body('x')), 'KeyTooLongError', 400)
      await rejectsWith(store.copyObject({ bucket: 'long-keys', key: 'a' }, { bucket: 'long-keys', key: 'z'.repeat(1025) }), 'KeyTooLongError', 400)
      await rejectsWith(store.createMultipartUpload('long-keys', 'z'.repeat(1025)), 'KeyTooLongError', 400)
      await rejectsWith(store.putObject('long-keys', '', body('x')), 'InvalidArgument', 400)
    })

    const LISTING_KEYS = ['a/1', 'a/2', 'a/b/1', 'b', 'c/x/y', 'c/z', 'd', '\uffff', '😀', 'A']

    it('lists in UTF-8 binary order with prefix, delimiter and start-after', async () => {
      await store.createBucket('listing')
      for (const key of LISTING_KEYS) await store.putObject('listing', key, body(key))
      const all = await store.listObjects('listing', {})
      assert.deepEqual(all.objects.map((o) => o.key), ['A', 'a/1', 'a/2', 'a/b/1', 'b', 'c/x/y', 'c/z', 'd', '\uffff', '😀'])
      assert.equal(all.isTruncated, false)
      const b = all.objects.find((o) => o.key === 'b')
      assert.deepEqual([b?.size, b?.etag, b?.lastModified instanceof Date], [1, md5('b'), true])

      const top = await store.listObjects('listing', { delimiter: '/' })
      assert.deepEqual(top.objects.map((o) => o.key), ['A', 'b', 'd', '\uffff', '😀'])
      assert.deepEqual(top.commonPrefixes, ['a/', 'c/'])
      const underA = await store.listObjects('listing', { prefix: 'a/', delimiter: '/' })
      assert.deepEqual(underA.objects.map((o) => o.key), ['a/1', 'a/2'])
      assert.deepEqual(underA.commonPrefixes, ['a/b/'])

      assert.deepEqual((await store.listObjects('listing', { startAfter: 'b' })).objects.map((o) => o.key), ['c/x/y', 'c/z', 'd', '\uffff', '😀'])
      await rejectsWith(store.listObjects('listing', { continuationToken: 'garbage' }), 'InvalidArgument', 400)
    })

    it('pages listings with max-keys and continuation tokens', when(features.listPaging), async () => {
      await store.createBucket('paging')
      for (const key of LISTING_KEYS) await store.putObject('paging', key, body(key))
      const seen: string[] = []
      let token: string | undefined
      let pages = 0
      do {
        const page = await store.listObjects('paging', { delimiter: '/', maxKeys: 2, ...(token ? { continuationToken: token } : {}) })
        seen.push(...page.objects.map((o) => o.key), ...page.commonPrefixes)
        token = page.nextContinuationToken
        assert.equal(page.isTruncated, token !== undefined)
        pages++
      } while (token)
      assert.equal(pages, 4)
      assert.deepEqual(seen.sort(), ['A', 'a/', 'b', 'c/', 'd', '\uffff', '😀'].sort())
    })

    it('keeps versions when versioning is enabled, with delete markers, and a null version otherwise', when(features.versioning), async () => {
      await store.createBucket('versioned')
      assert.equal(await store.getBucketVersioning('versioned'), undefined)
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
      assert.equal((await store.headObject('versioned', 'doc', { versionId: v1.versionId })).versionId, v1.versionId)
      await rejectsWith(store.getObject('versioned', 'doc', { versionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'NoSuchVersion', 404)
      await rejectsWith(store.headObject('versioned', 'doc', { versionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'NoSuchVersion', 404)

      const del = await store.deleteObject('versioned', 'doc')
      assert.equal(del.deleteMarker, true)
      assert.ok(del.versionId)
      for (const call of [() => store.getObject('versioned', 'doc'), () => store.headObject('versioned', 'doc')]) {
        await assert.rejects(call(), (err: { code: string; status: number; headers: Record<string, string> }) => {
          assert.equal(err.code, 'NoSuchKey')
          assert.equal(err.status, 404)
          assert.equal(err.headers['x-amz-delete-marker'], 'true')
          return true
        })
      }
      await rejectsWith(store.headObject('versioned', 'doc', { versionId: del.versionId as string }), 'MethodNotAllowed', 405)
      await rejectsWith(store.getObject('versioned', 'doc', { versionId: del.versionId as string }), 'MethodNotAllowed', 405)
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
      assert.equal(await store.getBucketVersioning('versioned'), 'Suspended')
      const s1 = await store.putObject('versioned', 'doc', body('s1'))
      assert.equal(s1.versionId, null)
      const afterSuspend = await store.listObjectVersions('versioned', {})
      assert.deepEqual(afterSuspend.versions.map((v) => v.versionId), [null, v2.versionId, v1.versionId], 'the suspended put replaced the null version')
      assert.equal(await read(store, 'versioned', 'doc'), 's1')
    })

    const fiveMiB = Buffer.alloc(5 * 1024 * 1024, 'a')

    it('completes multipart uploads with content type, metadata, size and ranges across parts', async () => {
      await store.createBucket('multi-basic')
      const id = await store.createMultipartUpload('multi-basic', 'big.bin', { contentType: 'application/zip', userMetadata: { kind: 'test' } })
      const p1 = await store.uploadPart('multi-basic', 'big.bin', id, 1, body(fiveMiB))
      assert.equal(p1.etag, md5(fiveMiB))
      const p2 = await store.uploadPart('multi-basic', 'big.bin', id, 2, body('tail'))
      await store.completeMultipartUpload('multi-basic', 'big.bin', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }])
      const head = await store.headObject('multi-basic', 'big.bin')
      assert.equal(head.size, fiveMiB.length + 4)
      assert.equal(head.contentType, 'application/zip')
      assert.deepEqual(head.userMetadata, { kind: 'test' })
      const tail = await store.getObject('multi-basic', 'big.bin', { range: { start: fiveMiB.length - 1 } })
      assert.equal(await text(tail.body), 'atail')
      await rejectsWith(store.uploadPart('multi-basic', 'big.bin', id, 0, body('x')), 'InvalidArgument', 400)
      await rejectsWith(store.uploadPart('multi-basic', 'big.bin', id, 10_001, body('x')), 'InvalidArgument', 400)
    })

    it('checks multipart parts and upload ids, with S3 multipart ETags', when(features.multipartChecks), async () => {
      await store.createBucket('multi')
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
      await rejectsWith(store.uploadPart('multi', 'big.bin', 'no-such-upload-id', 1, body('x')), 'NoSuchUpload', 404)

      const done = await store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1again.etag.replaceAll('"', '') }, { partNumber: 2, etag: p2.etag }])
      const expected = createHash('md5').update(Buffer.concat([createHash('md5').update(fiveMiB).digest(), createHash('md5').update('tail').digest()])).digest('hex')
      assert.equal(done.etag, `"${expected}-2"`)
      const head = await store.headObject('multi', 'big.bin')
      assert.equal(head.etag, done.etag)
      assert.equal(head.size, fiveMiB.length + 4)
      assert.equal(head.contentType, 'application/zip')
      assert.deepEqual(head.userMetadata, { kind: 'test' })
      const tail = await store.getObject('multi', 'big.bin', { range: { start: fiveMiB.length - 1 } })
      assert.equal(await text(tail.body), 'atail')
      await rejectsWith(store.completeMultipartUpload('multi', 'big.bin', id, [{ partNumber: 1, etag: p1again.etag }]), 'NoSuchUpload', 404)
    })

    it('aborts multipart uploads', when(features.abortUpload), async () => {
      await store.createBucket('multi-abort')
      const aborted = await store.createMultipartUpload('multi-abort', 'gone')
      await store.uploadPart('multi-abort', 'gone', aborted, 1, body('x'))
      await store.abortMultipartUpload('multi-abort', 'gone', aborted)
      await rejectsWith(store.uploadPart('multi-abort', 'gone', aborted, 1, body('x')), 'NoSuchUpload', 404)
      await rejectsWith(store.abortMultipartUpload('multi-abort', 'gone', aborted), 'NoSuchUpload', 404)
      await rejectsWith(store.abortMultipartUpload('multi-abort', 'gone', '../../../etc'), 'NoSuchUpload', 404)
      await rejectsWith(store.headObject('multi-abort', 'gone'), 'NoSuchKey', 404)
    })

    it('lists uploads in progress by key, with prefix, delimiter and markers', when(features.listUploads), async () => {
      await store.createBucket('uploads')
      const a1 = await store.createMultipartUpload('uploads', 'dir/a')
      const b = await store.createMultipartUpload('uploads', 'b')
      const a2 = await store.createMultipartUpload('uploads', 'dir/a')
      const c = await store.createMultipartUpload('uploads', 'dir/c')
      const all = await store.listMultipartUploads('uploads', { prefix: '', maxUploads: 1000 })
      assert.deepEqual(all.uploads.map((u) => u.key), ['b', 'dir/a', 'dir/a', 'dir/c'])
      assert.deepEqual(new Set(all.uploads.slice(1, 3).map((u) => u.uploadId)), new Set([a1, a2]))
      assert.deepEqual([all.uploads[0]?.uploadId, all.uploads[3]?.uploadId], [b, c])
      assert.equal(all.isTruncated, false)
      for (const u of all.uploads) assert.ok(!Number.isNaN(Date.parse(u.initiated)), u.initiated)

      const rolled = await store.listMultipartUploads('uploads', { prefix: '', delimiter: '/', maxUploads: 1000 })
      assert.deepEqual([rolled.uploads.map((u) => u.key), rolled.commonPrefixes], [['b'], ['dir/']])
      assert.deepEqual((await store.listMultipartUploads('uploads', { prefix: 'dir/', maxUploads: 1000 })).uploads.map((u) => u.key), ['dir/a', 'dir/a', 'dir/c'])

      const first = await store.listMultipartUploads('uploads', { prefix: '', maxUploads: 2 })
      assert.equal(first.isTruncated, true)
      assert.equal(first.nextKeyMarker, 'dir/a')
      const second = await store.listMultipartUploads('uploads', {
        prefix: '',
        maxUploads: 2,
        keyMarker: first.nextKeyMarker as string,
        uploadIdMarker: first.nextUploadIdMarker as string,
      })
      assert.deepEqual(second.uploads.map((u) => u.key), ['dir/a', 'dir/c'])
      assert.equal(second.isTruncated, false)
      assert.deepEqual((await store.listMultipartUploads('uploads', { prefix: '', maxUploads: 1000, keyMarker: 'dir/a' })).uploads.map((u) => u.uploadId), [c])

      const part = await store.uploadPart('uploads', 'b', b, 1, body('b'))
      await store.completeMultipartUpload('uploads', 'b', b, [{ partNumber: 1, etag: part.etag }])
      assert.deepEqual((await store.listMultipartUploads('uploads', { prefix: '', maxUploads: 1000 })).uploads.map((u) => u.key), ['dir/a', 'dir/a', 'dir/c'])
      await rejectsWith(store.listMultipartUploads('missing-bucket', { prefix: '', maxUploads: 1000 }), 'NoSuchBucket', 404)
    })

    it('lists the parts of an upload after a part-number marker', when(features.listParts), async () => {
      await store.createBucket('parts')
      const id = await store.createMultipartUpload('parts', 'p')
      const etags: string[] = []
      for (const n of [3, 1, 2]) etags[n] = (await store.uploadPart('parts', 'p', id, n, body('x'.repeat(n)))).etag
      const first = await store.listParts('parts', 'p', id, { partNumberMarker: 0, maxParts: 2 })
      assert.deepEqual(first.parts.map((p) => [p.partNumber, p.etag, p.size]), [[1, etags[1], 1], [2, etags[2], 2]])
      assert.deepEqual([first.isTruncated, first.nextPartNumberMarker], [true, 2])
      for (const p of first.parts) assert.ok(!Number.isNaN(Date.parse(p.lastModified)), p.lastModified)
      const rest = await store.listParts('parts', 'p', id, { partNumberMarker: 2, maxParts: 2 })
      assert.deepEqual([rest.parts.map((p) => p.partNumber), rest.isTruncated, rest.nextPartNumberMarker], [[3], false, undefined])
      const listed = (await store.listMultipartUploads('parts', { prefix: 'p', maxUploads: 1000 })).uploads.find((u) => u.uploadId === id)
      assert.equal(first.initiated, listed?.initiated)
      await rejectsWith(store.listParts('parts', 'p', 'no-such-upload-id', { partNumberMarker: 0, maxParts: 10 }), 'NoSuchUpload', 404)
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
      assert.equal(await read(store, 'copies', 'dst'), 'payload')
      await store.copyObject({ bucket: 'copies', key: 'src' }, { bucket: 'copies', key: 'src' }, { contentType: 'text/plain', userMetadata: { b: '2' } })
      assert.deepEqual((await store.headObject('copies', 'src')).userMetadata, { b: '2' })
      assert.equal((await store.headObject('copies', 'src')).contentType, 'text/plain')
      await rejectsWith(store.copyObject({ bucket: 'copies', key: 'src' }, { bucket: 'copies', key: 'src' }), 'InvalidRequest', 400)
      await rejectsWith(store.copyObject({ bucket: 'copies', key: 'nope' }, { bucket: 'copies', key: 'x' }), 'NoSuchKey', 404)
      await store.createBucket('copies-2')
      await store.copyObject({ bucket: 'copies', key: 'dst' }, { bucket: 'copies-2', key: 'sub/dir/dst' })
      assert.equal(await read(store, 'copies-2', 'sub/dir/dst'), 'payload')
    })

    it('keeps every version of concurrent versioned puts', when(features.versioning), async () => {
      await store.createBucket('busy')
      await store.putBucketVersioning('busy', 'Enabled')
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.putObject('busy', 'same', body(`v${i}`))))
      assert.equal((await store.listObjectVersions('busy', {})).versions.length, 20)
    })

    it('lets the last of concurrent unversioned puts win whole', when(features.atomicOverwrite), async () => {
      await store.createBucket('busy2')
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.putObject('busy2', 'same', body(`value-${i}`.repeat(1000)))))
      assert.match(await read(store, 'busy2', 'same'), /^(value-\d+)\1{999}$/)
    })

    it('keeps every one of concurrent puts to distinct keys', async () => {
      await store.createBucket('busy3')
      await store.putObject('busy3', 'same', body('first'))
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.putObject('busy3', `k${i}`, body(String(i)))))
      assert.equal((await store.listObjects('busy3', {})).objects.length, 51)
    })
  })
}

/** Resolves once `check` holds; polls on the event loop (no fixed sleep), gives up after a generous deadline. */
async function waitFor(check: () => boolean, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
