/**
 * `S3ObjectStore` against s3rver, an S3 server written by others, run in-process on 127.0.0.1: the
 * shared contract suite (what s3rver lacks is skipped, with the reason printed), then what only this
 * adapter has: the bucket prefix, big bodies streamed as multipart, ranges, and error mapping.
 *
 * The suite runs a second time against Slipway's own S3 endpoint (FolderObjectStore behind the S3 REST
 * transport, in-process), which has every feature: that is where the adapter's versioning, upload
 * listing and part checks are exercised, since s3rver has none of them.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import Fastify from 'fastify'
import { registerS3 } from '../../src/protocol/s3/s3-router.ts'
import { FolderObjectStore } from '../../src/artifacts/adapters/folder-object-store.ts'
import { S3ObjectStore } from '../../src/artifacts/adapters/s3-object-store.ts'
import { S3Error } from '../../src/artifacts/model/errors.ts'
import { systemClock } from '../../src/infra/clock.ts'
import { S3RVER_CREDENTIALS, startS3rver, type AnsweredRequest, type RunningS3rver } from '../helpers/s3rver.ts'
import { body, describeObjectStore, EVERY_FEATURE, failingBody, md5, read, rejectsWith, type StoreFeatures } from './object-store-suite.ts'

const S3RVER = 's3rver 3.7.1'

/** What s3rver lacks: each read in s3rver's source and seen by running the case. */
const S3RVER_FEATURES: StoreFeatures = {
  defaultContentType: 'application/octet-stream',
  versioning: `${S3RVER} has no versioning: GetBucketVersioning is answered with an object listing (so reads as never enabled), PutBucketVersioning is taken for CreateBucket (BucketAlreadyExists), ListObjectVersions is 405 MethodNotAllowed`,
  listPaging: `${S3RVER} makes continuation tokens with DES, which OpenSSL 3 (Node >= 17) no longer offers: every truncated ListObjectsV2 page is a 500 InternalError`,
  pathLikeKeys: `${S3RVER} stores a key as a file path: "../" segments write outside its directory, a leading "/" is answered 404, and a key segment over 255 bytes crashes the server process (ENAMETOOLONG as an unhandled stream error)`,
  multipartChecks: `${S3RVER} checks no part ETag, size, order or upload id (an unknown upload id is created on the fly) and gives a multipart object a plain MD5 ETag`,
  abortUpload: `${S3RVER} answers AbortMultipartUpload with 405 MethodNotAllowed`,
  listUploads: `${S3RVER} answers ListMultipartUploads with 501 NotImplemented`,
  listParts: `${S3RVER} answers ListParts with 405 MethodNotAllowed`,
  atomicOverwrite: `${S3RVER} writes an object in place (createWriteStream on its final path): concurrent puts of different lengths to one key leave a mix of both`,
}

const storeOn = (server: RunningS3rver, bucketPrefix: string) =>
  new S3ObjectStore({ endpoint: server.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, forcePathStyle: true, bucketPrefix })

describeObjectStore(
  `S3ObjectStore on ${S3RVER}`,
  async () => {
    const server = await startS3rver()
    const store = storeOn(server, 'suite-')
    return {
      store,
      cleanup: async () => {
        store.destroy()
        await server.stop()
      },
    }
  },
  S3RVER_FEATURES,
)

/** Slipway's S3 transport over a folder store, on 127.0.0.1 (what `slipway up` serves, minus the rest). */
async function startSlipwayS3(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-s3-endpoint-'))
  const app = Fastify({ forceCloseConnections: true })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))
  const key = { accessKeyId: 'AKIASLIPWAYTEST', secretAccessKey: 'slipway-test-secret', principal: 'adapter-test' }
  const objects = new FolderObjectStore(path.join(dataDir, 'buckets'), { clock: systemClock })
  registerS3(app, { objects, clock: systemClock, lookup: async (id) => (id === key.accessKeyId ? key : undefined), maxSkewSeconds: 900 })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    endpoint: address,
    stop: async () => {
      await app.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

describeObjectStore(
  "S3ObjectStore on Slipway's own S3 endpoint",
  async () => {
    const server = await startSlipwayS3()
    const store = new S3ObjectStore({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIASLIPWAYTEST', secretAccessKey: 'slipway-test-secret' },
      forcePathStyle: true,
      bucketPrefix: 'suite-',
    })
    return {
      store,
      cleanup: async () => {
        store.destroy()
        await server.stop()
      },
    }
  },
  { ...EVERY_FEATURE, defaultContentType: 'application/octet-stream' },
)

const MiB = 1024 * 1024

/** Byte `n` of the generated big object: varies within and across parts, so misplaced bytes show. */
const byteAt = (n: number) => (n * 31 + (n >>> 13)) & 0xff

function generatedChunk(offset: number, length: number): Buffer {
  const chunk = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) chunk[i] = byteAt(offset + i)
  return chunk
}

const isUploadPart = (r: AnsweredRequest, key: string) => r.method === 'PUT' && r.path.endsWith(`/${key}`) && r.query.has('partNumber') && r.query.has('uploadId')

describe(`S3ObjectStore on ${S3RVER}: what only this adapter has`, () => {
  let server: RunningS3rver
  let store: S3ObjectStore
  let raw: S3Client

  before(async () => {
    server = await startS3rver()
    store = storeOn(server, 'own-')
    raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, forcePathStyle: true })
  })
  after(async () => {
    store?.destroy()
    raw?.destroy()
    await server?.stop()
  })

  it('sees only buckets with its prefix, under their Slipway names', async () => {
    await raw.send(new CreateBucketCommand({ Bucket: 'outside' }))
    await raw.send(new CreateBucketCommand({ Bucket: 'own-made-by-hand' }))
    await raw.send(new CreateBucketCommand({ Bucket: 'own-ab' }))
    await store.createBucket('shared')
    const other = storeOn(server, 'other-')
    try {
      await other.createBucket('shared')
      await store.putObject('shared', 'k', body('mine'))
      assert.deepEqual((await store.listBuckets()).map((b) => b.name), ['made-by-hand', 'shared'], '"own-ab" would be the invalid Slipway name "ab"')
      assert.deepEqual((await other.listBuckets()).map((b) => b.name), ['shared'])
      assert.equal(await store.headBucket('outside'), false)
      await rejectsWith(store.getObject('outside', 'k'), 'NoSuchBucket', 404)
      await rejectsWith(other.headObject('shared', 'k'), 'NoSuchKey', 404)
      assert.equal(await read(store, 'shared', 'k'), 'mine')
      await rejectsWith(store.createBucket('made-by-hand'), 'BucketAlreadyOwnedByYou', 409)
      assert.ok(fs.existsSync(path.join(server.directory, 'own-shared')) && fs.existsSync(path.join(server.directory, 'other-shared')))
    } finally {
      other.destroy()
    }
  })

  it('refuses a bucket prefix or a name that cannot make a valid S3 bucket name', async () => {
    assert.throws(() => storeOn(server, 'Upper-'), TypeError)
    assert.throws(() => storeOn(server, '-dash'), TypeError)
    await rejectsWith(store.createBucket('x'.repeat(60)), 'InvalidBucketName', 400)
    await rejectsWith(store.putObject('x'.repeat(60), 'k', body('x')), 'NoSuchBucket', 404)
  })

  it('streams a 24 MiB body through as a multipart upload, holding at most two parts', { timeout: 180_000 }, async () => {
    await store.createBucket('big')
    // 24 MiB: more than the two parts in flight plus the one being filled, so the body cannot be read
    // to its end before a part is stored — unless the adapter buffers it whole.
    const size = 24 * MiB
    const chunkSize = 64 * 1024
    const sent = createHash('sha256')
    let lastChunkAt = 0
    const generated = Readable.from(
      (function* () {
        for (let offset = 0; offset < size; offset += chunkSize) {
          const chunk = generatedChunk(offset, chunkSize)
          sent.update(chunk)
          if (offset + chunkSize >= size) lastChunkAt = performance.now()
          yield chunk
        }
      })(),
    )
    const put = await store.putObject('big', 'generated.bin', generated, { contentType: 'application/octet-stream' })
    const parts = server.answered.filter((r) => isUploadPart(r, 'generated.bin'))
    assert.deepEqual(parts.map((r) => [r.query.get('partNumber'), r.status]).sort(), [['1', 200], ['2', 200], ['3', 200], ['4', 200], ['5', 200]], 'sent as 5 + 5 + 5 + 5 + 4 MiB parts')
    assert.ok(server.answered.some((r) => r.method === 'POST' && r.path.endsWith('/generated.bin') && r.query.has('uploadId') && r.status === 200), 'completed')
    assert.ok(
      parts.some((r) => r.finishedAt < lastChunkAt),
      'a part was stored before the body was read to its end: the adapter does not hold the whole body',
    )

    const head = await store.headObject('big', 'generated.bin')
    assert.equal(head.size, size)
    assert.equal(head.etag, put.etag)
    const got = await store.getObject('big', 'generated.bin')
    assert.equal(got.meta.size, size)
    assert.ok(got.body instanceof Readable)
    const received = createHash('sha256')
    let bytes = 0
    for await (const chunk of got.body) {
      received.update(chunk as Buffer)
      bytes += (chunk as Buffer).length
    }
    assert.equal(bytes, size)
    assert.equal(received.digest('hex'), sent.digest('hex'))

    const boundary = 5 * MiB
    const across = await store.getObject('big', 'generated.bin', { range: { start: boundary - 3, end: boundary + 4 } })
    assert.deepEqual(across.range, { start: boundary - 3, end: boundary + 4 })
    assert.equal(across.meta.size, size)
    assert.deepEqual(Buffer.from(await across.body.toArray().then((c) => Buffer.concat(c as Buffer[]))), generatedChunk(boundary - 3, 8))
    const last = await store.getObject('big', 'generated.bin', { range: { start: size - 2 } })
    assert.deepEqual([last.range, (await last.body.toArray()).reduce((n: number, c: Buffer) => n + c.length, 0)], [{ start: size - 2, end: size - 1 }, 2])
  })

  it('sends a part bigger than it holds in memory through a temp file, and removes the file', { timeout: 180_000 }, async () => {
    await store.createBucket('parts')
    const spools = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('slipway-s3-part-'))
    const before = new Set(spools())
    const id = await store.createMultipartUpload('parts', 'p')
    const nineMiB = generatedChunk(0, 9 * MiB)
    const part = await store.uploadPart('parts', 'p', id, 1, Readable.from([nineMiB.subarray(0, 4 * MiB), nineMiB.subarray(4 * MiB)]))
    assert.equal(part.etag, md5(nineMiB))
    await store.completeMultipartUpload('parts', 'p', id, [{ partNumber: 1, etag: part.etag }])
    const got = await store.getObject('parts', 'p')
    assert.equal(createHash('sha256').update(Buffer.concat((await got.body.toArray()) as Buffer[])).digest('hex'), createHash('sha256').update(nineMiB).digest('hex'))
    assert.deepEqual(spools().filter((name) => !before.has(name)), [])
  })

  it('reports a failing body, not the clean-up that failed after it, and creates nothing', { timeout: 180_000 }, async () => {
    await store.createBucket('failing')
    const failsAfterTwoParts = Readable.from(
      (function* () {
        for (let i = 0; i < 11; i++) yield Buffer.alloc(MiB, i)
        throw new Error('client went away')
      })(),
    )
    // s3rver cannot abort the multipart upload `Upload` started (405): the body's error must still win.
    await assert.rejects(store.putObject('failing', 'big', failsAfterTwoParts), /client went away/)
    assert.ok(server.answered.some((r) => r.method === 'DELETE' && r.path === '/own-failing/big' && r.query.has('uploadId') && r.status === 405), 'the abort was tried and refused')
    await rejectsWith(store.headObject('failing', 'big'), 'NoSuchKey', 404)
    await assert.rejects(store.putObject('failing', 'small', failingBody()), /client went away/)
    await rejectsWith(store.headObject('failing', 'small'), 'NoSuchKey', 404)
  })

  it('maps the service errors to the folder store errors, with Slipway names', async () => {
    await store.createBucket('errors')
    await store.putObject('errors', 'digits', body('0123456789'))
    await assert.rejects(store.getObject('nope', 'k'), (err: unknown) => {
      assert.ok(err instanceof S3Error)
      assert.deepEqual([err.code, err.status, err.details], ['NoSuchBucket', 404, { BucketName: 'nope' }])
      return true
    })
    // HEAD answers carry no error document: the adapter tells a missing key from a missing bucket.
    await assert.rejects(store.headObject('errors', 'missing'), (err: S3Error) => {
      assert.deepEqual([err.code, err.status, err.details], ['NoSuchKey', 404, { Key: 'missing' }])
      return true
    })
    await rejectsWith(store.headObject('nope', 'missing'), 'NoSuchBucket', 404)
    await rejectsWith(store.deleteBucket('errors'), 'BucketNotEmpty', 409)
    await assert.rejects(store.getObject('errors', 'digits', { range: { start: 10 } }), (err: S3Error) => {
      assert.deepEqual([err.code, err.status, err.details.ActualObjectSize], ['InvalidRange', 416, '10'])
      return true
    })
    await assert.rejects(store.getObject('errors', 'digits', { range: { start: -1 } }), (err: S3Error) => {
      assert.deepEqual([err.code, err.status, err.details.ActualObjectSize], ['InvalidRange', 416, '10'])
      return true
    })
    // Keys and names no object can have are answered without asking the service.
    await rejectsWith(store.getObject('errors', ''), 'NoSuchKey', 404)
    await rejectsWith(store.headObject('errors', 'k'.repeat(1025)), 'NoSuchKey', 404)
    await rejectsWith(store.getObject('Not_A_Bucket', 'k'), 'NoSuchBucket', 404)
    assert.deepEqual(await store.deleteObject('errors', ''), {})
    // Codes the port does not name keep the service's code and status.
    await rejectsWith(store.listMultipartUploads('errors', { prefix: '', maxUploads: 10 }), 'NotImplemented', 501)
    const id = await store.createMultipartUpload('errors', 'up')
    await rejectsWith(store.abortMultipartUpload('errors', 'up', id), 'MethodNotAllowed', 405)
    const { objects } = await store.listObjects('errors', {})
    assert.deepEqual(objects.map((o) => [o.key, o.size, o.etag]), [['digits', 10, md5('0123456789')]])
    assert.equal(await text((await store.getObject('errors', 'digits', { range: { start: 2, end: 4 } })).body), '234')
  })
})
