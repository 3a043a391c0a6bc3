/**
 * Decoding of S3 `Content-Encoding: aws-chunked` bodies, streaming:
 *
 *   <hex-size>;chunk-signature=<sig>\r\n<data>\r\n … 0;chunk-signature=<sig>\r\n[<trailer>\r\n…]\r\n
 *
 * For the signed variants every chunk's signature is checked against the chain that starts at the
 * request signature, and a chunk's bytes are passed on only once its signature is verified (so at most
 * one chunk is held in memory). Unsigned chunks stream straight through. Trailers (e.g.
 * `x-amz-checksum-crc32:…`, `x-amz-trailer-signature:…`) are read and skipped, not verified.
 */
import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'
import { Transform } from 'node:stream'
import type { TransformCallback } from 'node:stream'
import { awsError } from '../../shared/errors.ts'
import type { AwsError } from '../../shared/errors.ts'
import { EMPTY_SHA256, signatureHex, signaturesMatch } from './signing.ts'

export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'

/** The parts of a verified request that chain into chunk signatures (see `VerifiedCaller`). */
export type ChunkSigningContext = { signature: string; signingKey: Buffer; amzDate: string; scope: string }

export type ChunkedPayloadOptions = {
  /** The request's `x-amz-content-sha256`: one of the three `STREAMING-…` values above. */
  contentSha256: string
  /** Required for the signed variants: the verified request's signature, key, date and scope. */
  context?: ChunkSigningContext
  /** `x-amz-decoded-content-length`, when sent: the decoded size must match it exactly. */
  decodedContentLength?: number
  /** Largest chunk accepted, in bytes (a signed chunk is held until verified). Default 16 MiB. */
  maxChunkSize?: number
}

/** True for the `x-amz-content-sha256` values whose body is `aws-chunked`. */
export function isStreamingPayload(contentSha256: string): boolean {
  return [STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER].includes(contentSha256)
}

/**
 * Signature of one chunk: HMAC over
 * `AWS4-HMAC-SHA256-PAYLOAD\n<amzDate>\n<scope>\n<previous signature>\n<sha256("")>\n<sha256(chunk)>`.
 */
export function chunkSignature(context: Omit<ChunkSigningContext, 'signature'>, previous: string, chunkSha256: string): string {
  const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${context.amzDate}\n${context.scope}\n${previous}\n${EMPTY_SHA256}\n${chunkSha256}`
  return signatureHex(context.signingKey, toSign)
}

const MAX_LINE = 4096
const MAX_TRAILER_BYTES = 16 * 1024
const CHUNK_HEADER = /^([0-9a-fA-F]{1,16})((?:;[^;]*)*)$/

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done'

/**
 * A `Transform` from the raw `aws-chunked` body to the decoded object bytes. It errors with an
 * `AwsError`: `SignatureDoesNotMatch` (403) for a bad chunk signature, `IncompleteBody` (400) for a body
 * that ends early or does not match `decodedContentLength`, `InvalidRequest` (400) for bad framing.
 * Consumers must treat the output as complete only when the stream ends without error.
 */
export class ChunkedPayloadDecoder extends Transform {
  readonly #signed: boolean
  readonly #context: ChunkSigningContext | undefined
  readonly #expectedLength: number | undefined
  readonly #maxChunkSize: number
  #state: State = 'size'
  #line: Buffer[] = []
  #lineLength = 0
  #trailerBytes = 0
  #remaining = 0
  #crlfSeen = 0
  #hash: Hash | undefined
  #held: Buffer[] = []
  #chunkSignature = ''
  #previous = ''
  #decoded = 0

  constructor(options: ChunkedPayloadOptions) {
    super()
    if (!isStreamingPayload(options.contentSha256)) {
      throw new TypeError(`not an aws-chunked payload: ${options.contentSha256}`)
    }
    this.#signed = options.contentSha256 !== STREAMING_UNSIGNED_TRAILER
    if (this.#signed && !options.context) throw new TypeError('signed aws-chunked payload needs a signing context')
    this.#context = options.context
    this.#previous = options.context?.signature ?? ''
    this.#expectedLength = options.decodedContentLength
    this.#maxChunkSize = options.maxChunkSize ?? 16 * 1024 * 1024
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk)
      callback()
    } catch (error) {
      callback(error as Error)
    }
  }

  override _flush(callback: TransformCallback): void {
    const endedAfterFinalChunk = this.#state === 'trailer' && this.#lineLength === 0
    if (this.#state !== 'done' && !endedAfterFinalChunk) {
      callback(incompleteBody())
      return
    }
    callback(this.#lengthProblem())
  }

  #consume(buf: Buffer): void {
    let offset = 0
    while (offset < buf.length) {
      switch (this.#state) {
        case 'size':
        case 'trailer':
          offset = this.#readLine(buf, offset)
          break
        case 'data':
          offset = this.#readData(buf, offset)
          break
        case 'data-end':
          offset = this.#readDataEnd(buf, offset)
          break
        case 'done':
          throw invalid('unexpected bytes after the final chunk')
      }
    }
  }

  #readLine(buf: Buffer, offset: number): number {
    const newline = buf.indexOf(0x0a, offset)
    const end = newline < 0 ? buf.length : newline + 1
    this.#line.push(buf.subarray(offset, end))
    this.#lineLength += end - offset
    if (this.#lineLength > MAX_LINE) throw invalid('chunk header or trailer line too long')
    if (newline < 0) return end
    const line = Buffer.concat(this.#line).toString('latin1')
    this.#line = []
    this.#lineLength = 0
    if (!line.endsWith('\r\n')) throw invalid('lines must end with CRLF')
    const text = line.slice(0, -2)
    if (this.#state === 'size') this.#startChunk(text)
    else this.#readTrailer(text)
    return end
  }

  #startChunk(header: string): void {
    const match = CHUNK_HEADER.exec(header)
    if (!match) throw invalid(`malformed chunk header '${header.slice(0, 100)}'`)
    const size = parseInt(match[1] as string, 16)
    if (size > this.#maxChunkSize) throw invalid(`chunk of ${size} bytes exceeds the limit of ${this.#maxChunkSize}`)
    if (this.#signed) {
      const ext = /;chunk-signature=([^;]*)/.exec(match[2] ?? '')
      if (!ext) throw invalid('chunk-signature missing from chunk header')
      this.#chunkSignature = ext[1] as string
    }
    this.#remaining = size
    this.#hash = this.#signed ? createHash('sha256') : undefined
    if (size === 0) {
      this.#endChunk()
      this.#state = 'trailer'
    } else {
      this.#state = 'data'
    }
  }

  #readData(buf: Buffer, offset: number): number {
    const take = Math.min(this.#remaining, buf.length - offset)
    const piece = buf.subarray(offset, offset + take)
    this.#remaining -= take
    this.#decoded += take
    if (this.#expectedLength !== undefined && this.#decoded > this.#expectedLength) throw incompleteBody()
    if (this.#signed) {
      this.#hash?.update(piece)
      this.#held.push(piece)
    } else {
      this.push(piece)
    }
    if (this.#remaining === 0) {
      this.#state = 'data-end'
      this.#crlfSeen = 0
    }
    return offset + take
  }

  #readDataEnd(buf: Buffer, offset: number): number {
    let i = offset
    while (i < buf.length && this.#crlfSeen < 2) {
      const expected = this.#crlfSeen === 0 ? 0x0d : 0x0a
      if (buf[i] !== expected) throw invalid('chunk data must be followed by CRLF')
      this.#crlfSeen++
      i++
    }
    if (this.#crlfSeen === 2) {
      this.#endChunk()
      this.#state = 'size'
    }
    return i
  }

  /** Verifies the chunk just read (signed variants) and releases its bytes. */
  #endChunk(): void {
    const hash = this.#hash?.digest('hex') ?? EMPTY_SHA256
    this.#hash = undefined
    if (this.#signed && this.#context) {
      const expected = chunkSignature(this.#context, this.#previous, hash)
      if (!signaturesMatch(expected, this.#chunkSignature)) throw signatureDoesNotMatch()
      this.#previous = this.#chunkSignature
    }
    for (const piece of this.#held) this.push(piece)
    this.#held = []
  }

  #readTrailer(text: string): void {
    if (text === '') {
      this.#state = 'done'
      const problem = this.#lengthProblem()
      if (problem) throw problem
      return
    }
    this.#trailerBytes += text.length
    if (this.#trailerBytes > MAX_TRAILER_BYTES) throw invalid('trailers too large')
    if (!/^[A-Za-z0-9-]+:/.test(text)) throw invalid(`malformed trailer '${text.slice(0, 100)}'`)
  }

  #lengthProblem(): AwsError | undefined {
    if (this.#expectedLength !== undefined && this.#decoded !== this.#expectedLength) return incompleteBody()
    return undefined
  }
}

/** Convenience factory for `new ChunkedPayloadDecoder(options)`. */
export function decodeChunkedPayload(options: ChunkedPayloadOptions): ChunkedPayloadDecoder {
  return new ChunkedPayloadDecoder(options)
}

function signatureDoesNotMatch(): AwsError {
  return awsError(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
  )
}

function incompleteBody(): AwsError {
  return awsError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400)
}

function invalid(detail: string): AwsError {
  return awsError('InvalidRequest', `Invalid aws-chunked body: ${detail}`, 400)
}
