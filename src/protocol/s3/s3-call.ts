/**
 * One authenticated S3 request as the operation handlers see it: the target, the caller, the verified
 * body (streamed or small), and helpers to answer with S3's XML.
 */
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ObjectStore } from '../../artifacts/ports.ts'
import type { Clock } from '../../infra/clock.ts'
import type { KeyLookup, VerifiedCaller } from '../sigv4/verify-request.ts'
import { invalidArgument } from '../../artifacts/model/errors.ts'
import { payloadStream, smallPayload } from './payload.ts'
import type { S3Target } from './s3-target.ts'
import { el } from './xml.ts'

export type S3Deps = {
  objects: ObjectStore
  lookup: KeyLookup
  clock: Clock
  maxSkewSeconds: number
  /** The region this server serves: a request signed for another is refused, as S3 does. */
  region?: string
  /** The audit hook: every write (PUT, POST, DELETE), succeeded or failed, and refused credentials. */
  audit?: (entry: { principal: string; action: string; resource: string; requestId: string; outcome: string }) => Promise<void>
}

export class S3Call {
  readonly request: FastifyRequest
  readonly reply: FastifyReply
  readonly objects: ObjectStore
  readonly clock: Clock
  readonly target: S3Target
  readonly caller: VerifiedCaller
  readonly requestId: string
  readonly #payloadHash: string

  constructor(init: { request: FastifyRequest; reply: FastifyReply; objects: ObjectStore; clock: Clock; target: S3Target; caller: VerifiedCaller; requestId: string; payloadHash: string }) {
    this.request = init.request
    this.reply = init.reply
    this.objects = init.objects
    this.clock = init.clock
    this.target = init.target
    this.caller = init.caller
    this.requestId = init.requestId
    this.#payloadHash = init.payloadHash
  }

  get bucket(): string {
    return this.target.bucket
  }

  /** The object key (only called by object-level operations, where it is always set). */
  get key(): string {
    return this.target.key ?? ''
  }

  header(name: string): string | undefined {
    const value = this.request.raw.headers[name]
    return Array.isArray(value) ? value[0] : value
  }

  query(name: string): string | undefined {
    return this.target.query.get(name)
  }

  has(name: string): boolean {
    return this.target.query.has(name)
  }

  /** A non-negative integer query parameter (`max-keys`, `partNumber`, …), InvalidArgument otherwise. */
  integerQuery(name: string): number | undefined {
    const text = this.query(name)
    if (text === undefined) return undefined
    if (!/^\d{1,9}$/.test(text)) throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, text)
    return Number(text)
  }

  /** The verified object bytes, streamed. */
  body(): Readable {
    return payloadStream(this.request.raw, this.caller, this.#payloadHash)
  }

  /** A small verified body (an XML document), read whole. */
  smallBody(): Promise<Buffer> {
    return smallPayload(this.request.raw, this.caller, this.#payloadHash)
  }

  /** The caller as S3 shows an owner. */
  ownerXml(): string {
    const id = createHash('sha256').update(this.caller.principal).digest('hex')
    return `<Owner>${el('ID', id)}${el('DisplayName', this.caller.principal)}</Owner>`
  }

  sendXml(xml: string, status = 200): FastifyReply {
    return this.reply.code(status).header('content-type', 'application/xml').send(xml)
  }

  sendEmpty(status = 200): FastifyReply {
    return this.reply.code(status).send()
  }
}
