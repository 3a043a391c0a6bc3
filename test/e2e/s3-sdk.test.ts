/**
 * S3 with the real `@aws-sdk/client-s3` (path-style): objects, listings, versioning, multipart, ranges,
 * batch deletes, streamed `aws-chunked` uploads; requests signed by hand with the SDK's SigV4 signer
 * to prove that a body that does not match its declared hash, MD5 or chunk signatures is refused and
 * not stored; and that a 200 MB streamed put does not grow the server's memory by its size.
 */
import assert from 'node:assert/strict'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  ListObjectsCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startTestServer, type TestServer } from '../helpers/server.ts'

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const md5Hex = (data: string | Buffer) => createHash('md5').update(data).digest('hex')

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string }

/** Sends exactly these bytes and headers (no client-side rewriting). */
function rawRequest(url: string, method: string, headers: Record<string, string>, body: Buffer = Buffer.alloc(0)): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const xmlCode = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1]

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

describe('S3 with the AWS SDK for JavaScript v3', () => {
  let server: TestServer
  let s3: S3Client
  let signer: SignatureV4

  /** Signs a request with the SDK's signer; `payloadHash` is what the request claims. */
  async function signed(method: string, pathAndQuery: string, payloadHash: string, extra: Record<string, string> = {}) {
    const url = new URL(pathAndQuery, server.url)
    const query = Object.fromEntries(url.searchParams.entries())
    const request = await signer.sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...extra },
    })
    return { url: url.toString(), headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])) }
  }

  before(async () => {
    server = await startTestServer()
    const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }
    s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 })
    signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false })
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }))
  })
  after(async () => {
    s3?.destroy()
    await server?.stop()
  })

  it('puts, gets, heads, lists and deletes objects, from buffers and streams', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/ünï cödé.txt', Body: 'hello world', ContentType: 'text/plain', Metadata: { team: 'core' } }))
    assert.equal(put.ETag, `"${md5Hex('hello world')}"`)
    const streamed = Buffer.concat([randomBytes(100_000), randomBytes(123)])
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/streamed.bin', Body: Readable.from([streamed.subarray(0, 50_000), streamed.subarray(50_000)]), ContentLength: streamed.length }))

    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/ünï cödé.txt' }))
    assert.equal(await got.Body?.transformToString(), 'hello world')
    assert.equal(got.ContentType, 'text/plain')
    assert.deepEqual(got.Metadata, { team: 'core' })
    const bin = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/streamed.bin' }))
    assert.equal(sha256(Buffer.from(await bin.Body!.transformToByteArray())), sha256(streamed))

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/streamed.bin' }))
    assert.equal(head.ContentLength, streamed.length)
    assert.equal(head.ETag, `"${md5Hex(streamed)}"`)
    assert.ok(head.LastModified instanceof Date)

    for (let i = 0; i < 7; i++) await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: `list/${i % 2 ? 'odd' : 'even'}/${i}`, Body: String(i) }))
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'list/top', Body: 'top' }))
    const keys: string[] = []
    const prefixes: string[] = []
    let pages = 0
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: 'sdk-bucket', Prefix: 'list/', Delimiter: '/' })) {
      pages++
      keys.push(...(page.Contents ?? []).map((c) => c.Key as string))
      prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string))
    }
    assert.equal(pages, 2)
    assert.deepEqual(prefixes, ['list/even/', 'list/odd/'])
    assert.deepEqual(keys, ['list/top'])
    const flat: string[] = []
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: 'sdk-bucket', Prefix: 'list/' })) flat.push(...(page.Contents ?? []).map((c) => c.Key as string))
    assert.deepEqual(flat, ['list/even/0', 'list/even/2', 'list/even/4', 'list/even/6', 'list/odd/1', 'list/odd/3', 'list/odd/5', 'list/top'])

    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-bucket', Delete: { Objects: flat.map((Key) => ({ Key })) } }))
    assert.equal(batch.Deleted?.length, 8)
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/streamed.bin' }))
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/streamed.bin' })), { name: 'NoSuchKey' })
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/streamed.bin' })), { name: 'NotFound' })
  })

  it('keeps awkward keys literal over HTTP: dot segments, percent, plus, unicode, 1024 bytes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-keys' }))
    const keys = ['../../escape.txt', 'a/./b/../c', '100% + 1 = ?#&', 'sp ace/ü/日本/😀', '//double//slash', 'k'.repeat(1024), 'trailing/']
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'sdk-keys', Key: key, Body: `body:${key.length}` }))
    for (const key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-keys', Key: key }))
      assert.equal(await got.Body?.transformToString(), `body:${key.length}`, key)
    }
    const listed: string[] = []
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: 'sdk-keys' })) listed.push(...(page.Contents ?? []).map((c) => c.Key as string))
    assert.deepEqual(new Set(listed), new Set(keys))
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: 'sdk-keys', Key: 'k'.repeat(1025), Body: 'x' })), { name: 'KeyTooLongError' })
    assert.equal(fs.existsSync(path.join(server.dataDir, 'escape.txt')), false)
    assert.equal(fs.existsSync(path.join(server.dataDir, 'buckets', 'escape.txt')), false)
  })

  it('lists with ListObjects v1 markers and answers bucket errors', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-v1' }))
    for (const key of ['a/1', 'a/2', 'b', 'c/1', 'd']) await s3.send(new PutObjectCommand({ Bucket: 'sdk-v1', Key: key, Body: key }))
    const first = await s3.send(new ListObjectsCommand({ Bucket: 'sdk-v1', Delimiter: '/', MaxKeys: 2 }))
    assert.deepEqual([first.CommonPrefixes?.map((p) => p.Prefix), first.Contents?.map((c) => c.Key)], [['a/'], ['b']])
    assert.equal(first.IsTruncated, true)
    assert.equal(first.NextMarker, 'b')
    const second = await s3.send(new ListObjectsCommand({ Bucket: 'sdk-v1', Delimiter: '/', Marker: first.NextMarker }))
    assert.deepEqual([second.CommonPrefixes?.map((p) => p.Prefix), second.Contents?.map((c) => c.Key)], [['c/'], ['d']])
    assert.equal(second.IsTruncated, false)
    await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket: 'sdk-v1' })), { name: 'BucketNotEmpty' })
    await assert.rejects(s3.send(new CreateBucketCommand({ Bucket: 'sdk-v1' })), { name: 'BucketAlreadyOwnedByYou' })
    await assert.rejects(s3.send(new CreateBucketCommand({ Bucket: 'no_underscores' })), { name: 'InvalidBucketName' })
    await assert.rejects(s3.send(new ListObjectsCommand({ Bucket: 'sdk-missing' })), { name: 'NoSuchBucket' })
  })

  it('refuses a request signed too far from the server clock', async () => {
    const skewed = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      maxAttempts: 1,
      systemClockOffset: -3600_000,
    })
    try {
      await assert.rejects(skewed.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt' })), { name: 'RequestTimeTooSkewed' })
    } finally {
      skewed.destroy()
    }
  })

  it('reads byte ranges', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Body: 'abcdefghijklmnopqrstuvwxyz' }))
    const part = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Range: 'bytes=2-5' }))
    assert.equal(await part.Body?.transformToString(), 'cdef')
    assert.equal(part.ContentRange, 'bytes 2-5/26')
    assert.equal(part.ContentLength, 4)
    const open = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Range: 'bytes=20-' }))
    assert.equal(await open.Body?.transformToString(), 'uvwxyz')
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Range: 'bytes=26-30' })), { name: 'InvalidRange' })
  })

  it('versions objects and reads old versions', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-versions' }))
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'sdk-versions', VersioningConfiguration: { Status: 'Enabled' } }))
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'sdk-versions', Key: 'artifact.zip', Body: 'build 1' }))
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'sdk-versions', Key: 'artifact.zip', Body: 'build 2' }))
    assert.notEqual(v1.VersionId, v2.VersionId)
    const old = await s3.send(new GetObjectCommand({ Bucket: 'sdk-versions', Key: 'artifact.zip', VersionId: v1.VersionId }))
    assert.equal(await old.Body?.transformToString(), 'build 1')
    assert.equal(old.VersionId, v1.VersionId)
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'sdk-versions' }))
    assert.deepEqual(listed.Versions?.map((v) => [v.VersionId, v.IsLatest]), [[v2.VersionId, true], [v1.VersionId, false]])
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'sdk-versions', Key: 'restored.zip', CopySource: `sdk-versions/artifact.zip?versionId=${v1.VersionId}` }))
    assert.equal(copy.CopySourceVersionId, v1.VersionId)
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'sdk-versions', Key: 'restored.zip' }))).Body?.transformToString(), 'build 1')
  })

  it('runs multipart uploads, including a part copied from another object', async () => {
    const first = randomBytes(5 * 1024 * 1024)
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'source.txt', Body: '0123456789' }))
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-bucket', Key: 'multi.bin', ContentType: 'application/zip' }))
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-bucket', Key: 'multi.bin', UploadId, PartNumber: 1, Body: first }))
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'sdk-bucket', Key: 'multi.bin', UploadId, PartNumber: 2, CopySource: 'sdk-bucket/source.txt', CopySourceRange: 'bytes=2-5' }))
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'sdk-bucket',
      Key: 'multi.bin',
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] },
    }))
    assert.match(done.ETag ?? '', /-2"$/)
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'multi.bin' }))
    assert.equal(got.ContentType, 'application/zip')
    const bytes = Buffer.from(await got.Body!.transformToByteArray())
    assert.equal(sha256(bytes), sha256(Buffer.concat([first, Buffer.from('2345')])))
  })

  it('refuses a body that does not match its signed hash or Content-MD5, and stores nothing', async () => {
    const claimed = sha256('what was signed')
    const forged = await signed('PUT', '/sdk-bucket/tampered.txt', claimed, { 'content-length': '8' })
    const res = await rawRequest(forged.url, 'PUT', forged.headers, Buffer.from('tampered'))
    assert.equal(res.status, 400)
    assert.equal(xmlCode(res.body), 'XAmzContentSHA256Mismatch')
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'tampered.txt' })), { name: 'NotFound' })

    const honest = await signed('PUT', '/sdk-bucket/honest.txt', sha256('honest!'), { 'content-length': '7' })
    assert.equal((await rawRequest(honest.url, 'PUT', honest.headers, Buffer.from('honest!'))).status, 200)

    const badMd5 = await signed('PUT', '/sdk-bucket/md5.txt', 'UNSIGNED-PAYLOAD', { 'content-length': '5', 'content-md5': createHash('md5').update('other').digest('base64') })
    const md5Res = await rawRequest(badMd5.url, 'PUT', badMd5.headers, Buffer.from('hello'))
    assert.equal(md5Res.status, 400)
    assert.equal(xmlCode(md5Res.body), 'BadDigest')
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'md5.txt' })), { name: 'NotFound' })

    const badCrc = await signed('PUT', '/sdk-bucket/crc.txt', 'UNSIGNED-PAYLOAD', { 'content-length': '5', 'x-amz-checksum-crc32': 'AAAAAA==' })
    const crcRes = await rawRequest(badCrc.url, 'PUT', badCrc.headers, Buffer.from('hello'))
    assert.equal(xmlCode(crcRes.body), 'BadDigest')
    const goodCrc = await signed('PUT', '/sdk-bucket/crc.txt', 'UNSIGNED-PAYLOAD', { 'content-length': '5', 'x-amz-checksum-crc32': 'NhCmhg==' })
    assert.equal((await rawRequest(goodCrc.url, 'PUT', goodCrc.headers, Buffer.from('hello'))).status, 200)
  })

  it('accepts signed aws-chunked uploads and refuses a chunk whose signature does not match', async () => {
    const data = randomBytes(200_000)
    const upload = async (key: string, tamper: boolean) => {
      const chunkSize = 64 * 1024
      const chunks: Buffer[] = []
      for (let offset = 0; offset < data.length; offset += chunkSize) chunks.push(data.subarray(offset, offset + chunkSize))
      chunks.push(Buffer.alloc(0))
      const sigLength = (size: number) => size.toString(16).length + ';chunk-signature='.length + 64 + 4 + size
      const encodedLength = chunks.reduce((n, c) => n + sigLength(c.length), 0)
      const request = await signed('PUT', `/sdk-bucket/${key}`, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'content-length': String(encodedLength),
      })
      const auth = request.headers.authorization as string
      const amzDate = request.headers['x-amz-date'] as string
      const scope = /Credential=[^/]+\/([^,]+)/.exec(auth)?.[1] as string
      let previous = /Signature=([0-9a-f]+)/.exec(auth)?.[1] as string
      const [date, region, service] = scope.split('/') as [string, string, string]
      const key4 = [date, region, service, 'aws4_request'].reduce<Buffer | string>((k, part) => createHmac('sha256', k).update(part).digest(), `AWS4${server.secretAccessKey}`)
      const parts: Buffer[] = []
      chunks.forEach((chunk, i) => {
        const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha256(''), sha256(chunk)].join('\n')
        previous = createHmac('sha256', key4).update(toSign).digest('hex')
        const sent = tamper && i === 1 ? Buffer.from(chunk).fill(0) : chunk
        parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), sent, Buffer.from('\r\n'))
      })
      return rawRequest(request.url, 'PUT', request.headers, Buffer.concat(parts))
    }
    const good = await upload('chunked.bin', false)
    assert.equal(good.status, 200, good.body)
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'chunked.bin' }))
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(data))
    const bad = await upload('chunked-bad.bin', true)
    assert.equal(bad.status, 403)
    assert.equal(xmlCode(bad.body), 'SignatureDoesNotMatch')
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'chunked-bad.bin' })), { name: 'NotFound' })
  })

  it('streams a 200 MB put without holding it in server memory', async (t) => {
    const pid = (JSON.parse(fs.readFileSync(path.join(server.dataDir, 'server.json'), 'utf8')) as { pid: number }).pid
    const size = 200 * 1024 * 1024
    const block = randomBytes(1024 * 1024)
    const hash = createHash('sha256')
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < size / block.length; i++) {
          hash.update(block)
          yield block
        }
      })(),
    )
    // A first, smaller upload lets the server's allocator reach its working size (a plateau, not growth
    // with the upload: puts of 400 and 800 MiB after it add nothing).
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'warm-up.bin', Body: Readable.from(Array.from({ length: 64 }, () => block)), ContentLength: 64 * block.length }))
    const baseline = rssBytes(pid)
    let peak = baseline
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 10)
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'huge.bin', Body: body, ContentLength: size }))
    } finally {
      clearInterval(sampler)
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'huge.bin' }))
    assert.equal(head.ContentLength, size)
    t.diagnostic(`server RSS grew by ${Math.round((peak - baseline) / 1048576)} MiB during a 200 MiB put`)
    assert.ok(peak - baseline < 100 * 1024 * 1024, `server RSS grew by ${Math.round((peak - baseline) / 1048576)} MiB during a 200 MiB put`)
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'huge.bin' }))
    const down = createHash('sha256')
    for await (const chunk of got.Body as Readable) down.update(chunk as Buffer)
    assert.equal(down.digest('hex'), hash.digest('hex'))
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-bucket', Key: 'huge.bin' }))
  })
})
