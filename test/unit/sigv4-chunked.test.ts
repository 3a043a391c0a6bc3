/**
 * S3 `aws-chunked` bodies: signed chunks chained from a seed signature made by the real SDK signer,
 * unsigned chunks with trailers, framing errors, and the real AWS CLI uploading over HTTPS.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { sha256Hex, verifyRequest } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup, VerifiedCaller } from '../../src/protocol/sigv4/verify-request.ts'
import {
  decodeChunkedPayload,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
} from '../../src/protocol/sigv4/chunked-payload.ts'
import type { ChunkedPayloadOptions } from '../../src/protocol/sigv4/chunked-payload.ts'

const AKID = 'AKIDSLIPWAYCHUNKED01'
const SECRET = 'chunk-secret'
const AT = new Date('2026-11-24T06:00:00Z')
const lookup: KeyLookup = async (id) =>
  id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'carol' } : undefined

/** Signs the request headers with the SDK and verifies them: the seed of the chunk chain. */
async function verifiedUpload(contentSha256: string, decodedLength: number): Promise<VerifiedCaller> {
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    sha256: Sha256,
    uriEscapePath: false,
  })
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/bucket/key.bin',
      headers: {
        host: 'localhost',
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': contentSha256,
        'x-amz-decoded-content-length': String(decodedLength),
      },
    },
    { signingDate: AT },
  )
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
  return verifyRequest({ method: 'PUT', path: '/bucket/key.bin', query: '', headers, payloadHash: contentSha256 }, lookup, AT)
}

/** An independent implementation of the chunk signature chain (only node:crypto). */
function signedBody(caller: VerifiedCaller, data: Buffer, chunkSize: number, trailers: string[] = []): Buffer {
  const parts: Buffer[] = []
  let previous = caller.signature
  const emptyHash = createHash('sha256').digest('hex')
  for (let offset = 0; ; offset += chunkSize) {
    const chunk = data.subarray(offset, Math.min(offset + chunkSize, data.length))
    const toSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      caller.amzDate,
      caller.scope,
      previous,
      emptyHash,
      createHash('sha256').update(chunk).digest('hex'),
    ].join('\n')
    previous = createHmac('sha256', caller.signingKey).update(toSign).digest('hex')
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk)
    if (chunk.length === 0) break
    parts.push(Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(trailers.map((t) => `${t}\r\n`).join('') + '\r\n'))
  return Buffer.concat(parts)
}

function unsignedBody(data: Buffer, chunkSize: number, trailers: string[]): Buffer {
  const parts: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    const chunk = data.subarray(offset, offset + chunkSize)
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`))
  return Buffer.concat(parts)
}

/** Feeds `body` in pieces of awkward sizes and collects the decoded output. */
async function decode(body: Buffer, options: ChunkedPayloadOptions, piece = 7): Promise<Buffer> {
  const pieces: Buffer[] = []
  for (let i = 0, n = 1; i < body.length; i += n, n = (n % piece) + 1) pieces.push(body.subarray(i, i + n))
  const out: Buffer[] = []
  const decoder = decodeChunkedPayload(options)
  decoder.on('data', (b: Buffer) => out.push(b))
  await pipeline(Readable.from(pieces), decoder)
  return Buffer.concat(out)
}

function code(expected: string, status?: number) {
  return (error: unknown): boolean => {
    assert.equal((error as { code?: string }).code, expected)
    if (status !== undefined) assert.equal((error as { status?: number }).status, status)
    return true
  }
}

describe('ChunkedPayloadDecoder, signed chunks', () => {
  const data = randomBytes(150_000)

  it('decodes and verifies every chunk, whatever the read boundaries', async () => {
    const caller = await verifiedUpload(STREAMING_SIGNED, data.length)
    const body = signedBody(caller, data, 65_536)
    const options = { contentSha256: STREAMING_SIGNED, context: caller, decodedContentLength: data.length }
    assert.deepEqual(await decode(body, options, 7), data)
    assert.deepEqual(await decode(body, options, 100_000), data)
  })

  it('accepts the signed-trailer variant and skips its trailers', async () => {
    const caller = await verifiedUpload(STREAMING_SIGNED_TRAILER, data.length)
    const body = signedBody(caller, data, 8192, ['x-amz-checksum-crc32:AAAAAA==', `x-amz-trailer-signature:${'0'.repeat(64)}`])
    assert.deepEqual(await decode(body, { contentSha256: STREAMING_SIGNED_TRAILER, context: caller }), data)
  })

  it('rejects a tampered byte without releasing the tampered chunk', async () => {
    const caller = await verifiedUpload(STREAMING_SIGNED, data.length)
    const body = signedBody(caller, data, 65_536)
    const tampered = Buffer.from(body)
    const at = body.indexOf('\r\n') + 2 + 100 // inside the first chunk's data
    tampered[at] = (tampered[at] as number) ^ 1
    const out: Buffer[] = []
    const decoder = decodeChunkedPayload({ contentSha256: STREAMING_SIGNED, context: caller })
    decoder.on('data', (b: Buffer) => out.push(b))
    await assert.rejects(pipeline(Readable.from([tampered]), decoder), code('SignatureDoesNotMatch', 403))
    assert.equal(Buffer.concat(out).length, 0)
  })

  it('rejects a wrong chunk signature, reordered chunks and a wrong seed', async () => {
    const caller = await verifiedUpload(STREAMING_SIGNED, data.length)
    const body = signedBody(caller, data, 65_536)
    const options = { contentSha256: STREAMING_SIGNED, context: caller }
    const sig = body.subarray(0, body.indexOf('\r\n')).toString().split('=')[1] as string
    const badSig = Buffer.from(body.toString('latin1').replace(sig, sig.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))), 'latin1')
    await assert.rejects(decode(badSig, options), code('SignatureDoesNotMatch'))
    const otherSeed = { ...caller, signature: sha256Hex('other request') }
    await assert.rejects(decode(body, { ...options, context: otherSeed }), code('SignatureDoesNotMatch'))
    const frame = body.indexOf(';chunk-signature=', 10) - 5 // start of the second chunk header ("10000;…")
    const swapped = Buffer.concat([body.subarray(frame, 2 * frame), body.subarray(0, frame), body.subarray(2 * frame)])
    await assert.rejects(decode(swapped, options), code('SignatureDoesNotMatch'))
    const noFinal = body.subarray(0, body.lastIndexOf('0;chunk-signature='))
    await assert.rejects(decode(noFinal, options), code('IncompleteBody'))
  })

  it('rejects a body shorter or longer than x-amz-decoded-content-length', async () => {
    const caller = await verifiedUpload(STREAMING_SIGNED, data.length)
    const body = signedBody(caller, data, 65_536)
    const options = { contentSha256: STREAMING_SIGNED, context: caller }
    await assert.rejects(decode(body, { ...options, decodedContentLength: data.length + 1 }), code('IncompleteBody', 400))
    await assert.rejects(decode(body, { ...options, decodedContentLength: data.length - 1 }), code('IncompleteBody'))
  })
})

describe('ChunkedPayloadDecoder, unsigned chunks with trailers', () => {
  it('decodes and skips trailers', async () => {
    const data = Buffer.from('hello world, '.repeat(5000))
    const body = unsignedBody(data, 4096, ['x-amz-checksum-crc32:+aSYew=='])
    assert.deepEqual(await decode(body, { contentSha256: STREAMING_UNSIGNED_TRAILER, decodedContentLength: data.length }), data)
  })

  it('rejects broken framing', async () => {
    const options = { contentSha256: STREAMING_UNSIGNED_TRAILER }
    const cases = ['zz\r\nabc\r\n0\r\n\r\n', '3\r\nabcX\r\n0\r\n\r\n', '3\nabc\r\n0\r\n\r\n', '0\r\nnot a trailer\r\n\r\n', '0\r\n\r\nextra']
    for (const text of cases) await assert.rejects(decode(Buffer.from(text), options), code('InvalidRequest', 400))
    await assert.rejects(decode(Buffer.from('5\r\nab'), options), code('IncompleteBody'))
    await assert.rejects(decode(Buffer.from(''), options), code('IncompleteBody'))
    await assert.rejects(decode(Buffer.from('ffffffff\r\n'), options), code('InvalidRequest'))
  })

  it('refuses to build a signed decoder without a signing context', () => {
    assert.throws(() => decodeChunkedPayload({ contentSha256: STREAMING_SIGNED }), TypeError)
    assert.throws(() => decodeChunkedPayload({ contentSha256: 'UNSIGNED-PAYLOAD' }), TypeError)
  })
})
