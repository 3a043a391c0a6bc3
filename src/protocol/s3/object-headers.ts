/**
 * HTTP headers of S3 objects: user metadata and content type from a request, the response headers of
 * GET/HEAD, `Range` parsing and the conditional GET headers.
 */
import type { ObjectMetadata } from '../../artifacts/ports.ts'
import { S3Error } from '../../artifacts/model/errors.ts'
import type { S3Call } from './s3-call.ts'

export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream'

/** Header-safe text: Node refuses characters above U+00FF in header values. */
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')

/** `Content-Type` and `x-amz-meta-*` of a PUT/POST, as the store keeps them. */
export function objectSettings(call: S3Call): { contentType?: string; userMetadata: Record<string, string> } {
  const userMetadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(call.request.raw.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) userMetadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value
  }
  const contentType = call.header('content-type')
  return { ...(contentType !== undefined && contentType !== '' ? { contentType } : {}), userMetadata }
}

/** `x-amz-version-id` for a version: its id, or `null` once the bucket has had versioning configured. */
export function versionHeader(versionId: string | null, versioningConfigured: boolean): Record<string, string> {
  if (versionId !== null) return { 'x-amz-version-id': versionId }
  return versioningConfigured ? { 'x-amz-version-id': 'null' } : {}
}

const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
}

/** The headers GET and HEAD answer with (without Content-Length / Content-Range). */
export function objectResponseHeaders(call: S3Call, meta: ObjectMetadata, versioningConfigured: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'last-modified': meta.lastModified.toUTCString(),
    etag: meta.etag,
    'content-type': headerSafe(meta.contentType ?? DEFAULT_CONTENT_TYPE),
    'accept-ranges': 'bytes',
    ...versionHeader(meta.versionId, versioningConfigured),
  }
  for (const [name, value] of Object.entries(meta.userMetadata)) headers[`x-amz-meta-${name}`] = headerSafe(value)
  for (const [param, header] of Object.entries(OVERRIDES)) {
    const value = call.query(param)
    if (value !== undefined) headers[header] = headerSafe(value)
  }
  return headers
}

export type RangeRequest = { start: number; end?: number } | { suffix: number }

/**
 * A single `bytes=` range, or `undefined` when there is none or S3 would ignore it (malformed, several
 * ranges, end before start): the whole object is sent then.
 */
export function parseRange(header: string | undefined): RangeRequest | undefined {
  const match = header === undefined ? null : /^\s*bytes=(\d*)-(\d*)\s*$/.exec(header)
  if (!match) return undefined
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return undefined
  if (first === '') return { suffix: Number(last) }
  const start = Number(first)
  if (last === '') return { start }
  const end = Number(last)
  return end < start ? undefined : { start, end }
}

const notModified = () => new S3Error('NotModified', 'Not Modified', 304)
const preconditionFailed = (condition: string) =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition })

const etagMatches = (header: string, etag: string) =>
  header.split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || c.replace(/^W\//, '').replace(/^"|"$/g, '') === etag.replace(/^"|"$/g, '')
  })

/** If-Match / If-None-Match / If-(Un)Modified-Since, in the order RFC 7232 evaluates them. */
export function checkConditions(call: S3Call, meta: ObjectMetadata): void {
  const seconds = Math.floor(meta.lastModified.getTime() / 1000) * 1000
  const date = (name: string) => {
    const text = call.header(name)
    const ms = text === undefined ? NaN : Date.parse(text)
    return Number.isNaN(ms) ? undefined : ms
  }
  const ifMatch = call.header('if-match')
  const ifNoneMatch = call.header('if-none-match')
  const unmodifiedSince = date('if-unmodified-since')
  const modifiedSince = date('if-modified-since')
  if (ifMatch !== undefined && !etagMatches(ifMatch, meta.etag)) throw preconditionFailed('If-Match')
  if (ifMatch === undefined && unmodifiedSince !== undefined && seconds > unmodifiedSince) throw preconditionFailed('If-Unmodified-Since')
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, meta.etag)) throw notModified()
  if (ifNoneMatch === undefined && modifiedSince !== undefined && seconds <= modifiedSince) throw notModified()
}
