/**
 * Request bodies of the S3 transport, streamed. What the client claimed is checked as the bytes pass:
 * `x-amz-content-sha256` (a hex hash), `Content-MD5`, `Content-Length`, or, for `aws-chunked` bodies,
 * every chunk signature (the sigv4 decoder). A mismatch errors the stream at its end — before the
 * consumer (the object store) makes anything visible — with S3's XAmzContentSHA256Mismatch, BadDigest
 * or IncompleteBody.
 */
import { createHash, type Hash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { PassThrough, pipeline, Transform, type Readable, type TransformCallback } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import { S3Error } from '../../artifacts/model/errors.ts'
import { readBody } from '../../shared/read-body.ts'
import { decodeChunkedPayload, isStreamingPayload } from '../sigv4/chunked-payload.ts'
import type { VerifiedCaller } from '../sigv4/verify-request.ts'

/** A flexible checksum sent as a header (`x-amz-checksum-<algorithm>`, base64). */
export type ChecksumHeader = { algorithm: 'crc32' | 'sha1' | 'sha256'; base64: string }

export type PayloadExpectations = { sha256Hex?: string; md5Base64?: string; length?: number; checksum?: ChecksumHeader }

const HEX_SHA256 = /^[0-9a-f]{64}$/

/** Passes bytes through and fails at the end when they do not match what the client declared. */
export class PayloadCheck extends Transform {
  readonly #expect: PayloadExpectations
  readonly #sha256: Hash | undefined
  readonly #md5: Hash | undefined
  readonly #checksumHash: Hash | undefined
  #crc32 = 0
  #length = 0

  constructor(expect: PayloadExpectations) {
    super()
    this.#expect = expect
    this.#sha256 = expect.sha256Hex !== undefined ? createHash('sha256') : undefined
    this.#md5 = expect.md5Base64 !== undefined ? createHash('md5') : undefined
    const algorithm = expect.checksum?.algorithm
    this.#checksumHash = algorithm === 'sha1' || algorithm === 'sha256' ? createHash(algorithm) : undefined
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#length += chunk.length
    this.#sha256?.update(chunk)
    this.#md5?.update(chunk)
    this.#checksumHash?.update(chunk)
    if (this.#expect.checksum?.algorithm === 'crc32') this.#crc32 = crc32(chunk, this.#crc32)
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    const { sha256Hex, md5Base64, length } = this.#expect
    if (length !== undefined && this.#length !== length) {
      return callback(new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400))
    }
    const sha256 = this.#sha256?.digest('hex')
    if (sha256 !== undefined && sha256 !== sha256Hex) {
      return callback(
        new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
          ClientComputedContentSHA256: sha256Hex ?? '',
          S3ComputedContentSHA256: sha256,
        }),
      )
    }
    const md5 = this.#md5?.digest('base64')
    if (md5 !== undefined && md5 !== md5Base64) {
      return callback(new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, { ExpectedDigest: md5Base64 ?? '', CalculatedDigest: md5 }))
    }
    const { checksum } = this.#expect
    if (checksum) {
      const computed = checksum.algorithm === 'crc32' ? crc32Base64(this.#crc32) : this.#checksumHash?.digest('base64')
      if (computed !== checksum.base64) {
        return callback(new S3Error('BadDigest', `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`, 400))
      }
    }
    callback()
  }
}

const header = (raw: IncomingMessage, name: string): string | undefined => {
  const value = raw.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(value >>> 0)
  return bytes.toString('base64')
}

/** The first `x-amz-checksum-*` header Slipway can verify (CRC32C and CRC64NVME are accepted unchecked). */
function checksumHeader(raw: IncomingMessage): ChecksumHeader | undefined {
  for (const algorithm of ['crc32', 'sha1', 'sha256'] as const) {
    const value = header(raw, `x-amz-checksum-${algorithm}`)
    if (value !== undefined) return { algorithm, base64: value.trim() }
  }
  return undefined
}

/** The payload hash the signature covers: the header, or `UNSIGNED-PAYLOAD` for presigned URLs. */
export function claimedPayloadHash(raw: IncomingMessage, presignedQuery: boolean): string {
  const claimed = header(raw, 'x-amz-content-sha256')
  if (claimed === undefined) {
    // Presigned URLs sign UNSIGNED-PAYLOAD; a request with no signature at all fails verification anyway.
    if (presignedQuery || raw.headers.authorization === undefined) return 'UNSIGNED-PAYLOAD'
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400)
  }
  if (claimed !== 'UNSIGNED-PAYLOAD' && !isStreamingPayload(claimed) && !HEX_SHA256.test(claimed)) {
    throw new S3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', 400, {
      ArgumentName: 'x-amz-content-sha256',
      ArgumentValue: claimed,
    })
  }
  return claimed
}

function contentMd5(raw: IncomingMessage): string | undefined {
  const md5 = header(raw, 'content-md5')
  if (md5 === undefined) return undefined
  if (Buffer.from(md5, 'base64').length !== 16 || !/^[A-Za-z0-9+/]{22}==$/.test(md5.trim())) {
    throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was not valid.', 400, { 'Content-MD5': md5 })
  }
  return md5.trim()
}

function decimal(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d{1,15}$/.test(text.trim())) throw new S3Error('InvalidArgument', `${name} must be a non-negative integer`, 400, { ArgumentName: name })
  return Number(text)
}

/**
 * The decoded, verified object bytes of a request, as a stream. The raw request is piped, not handed
 * over, so a failed check destroys only this stream and the error can still be answered on the socket.
 */
export function payloadStream(raw: IncomingMessage, caller: VerifiedCaller, payloadHash: string): Readable {
  const md5Base64 = contentMd5(raw)
  const source = new PassThrough()
  raw.on('error', (error) => source.destroy(error))
  raw.on('close', () => {
    if (!raw.readableEnded) source.destroy(new S3Error('IncompleteBody', 'The request body was cut short', 400))
  })
  raw.pipe(source)
  const done = () => undefined
  if (isStreamingPayload(payloadHash)) {
    const decodedContentLength = decimal(header(raw, 'x-amz-decoded-content-length'), 'x-amz-decoded-content-length')
    const decoder = decodeChunkedPayload({
      contentSha256: payloadHash,
      context: caller,
      ...(decodedContentLength !== undefined ? { decodedContentLength } : {}),
    })
    const checksum = checksumHeader(raw)
    const check = new PayloadCheck({ ...(md5Base64 !== undefined ? { md5Base64 } : {}), ...(checksum ? { checksum } : {}) })
    return pipeline(source, decoder, check, done)
  }
  const length = decimal(header(raw, 'content-length'), 'Content-Length')
  const checksum = checksumHeader(raw)
  const check = new PayloadCheck({
    ...(checksum ? { checksum } : {}),
    ...(HEX_SHA256.test(payloadHash) ? { sha256Hex: payloadHash } : {}),
    ...(md5Base64 !== undefined ? { md5Base64 } : {}),
    ...(length !== undefined ? { length } : {}),
  })
  return pipeline(source, check, done)
}

/** A small verified body (XML documents), read whole; more than `limit` bytes is S3's MaxMessageLengthExceeded. */
export async function smallPayload(raw: IncomingMessage, caller: VerifiedCaller, payloadHash: string, limit = 2 * 1024 * 1024): Promise<Buffer> {
  try {
    return await readBody(payloadStream(raw, caller, payloadHash), limit)
  } catch (error) {
    if ((error as { code?: string }).code === 'RequestEntityTooLarge') {
      throw new S3Error('MaxMessageLengthExceeded', 'Your request was too big.', 400)
    }
    throw error
  }
}
