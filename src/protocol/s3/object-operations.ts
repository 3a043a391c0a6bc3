/**
 * GetObject, HeadObject, PutObject, CopyObject and DeleteObject over the `ObjectStore` port.
 */
import type { Readable } from 'node:stream'
import { invalidArgument, invalidRange } from '../../artifacts/model/errors.ts'
import type { S3Call } from './s3-call.ts'
import { parseCopySource } from './s3-target.ts'
import { checkConditions, objectResponseHeaders, objectSettings, parseRange, versionHeader } from './object-headers.ts'
import { el, xmlDocument } from './xml.ts'

async function versioningConfigured(call: S3Call): Promise<boolean> {
  return (await call.objects.getBucketVersioning(call.bucket)) !== undefined
}

function versionOption(call: S3Call): { versionId?: string } {
  const versionId = call.query('versionId')
  return versionId !== undefined ? { versionId } : {}
}

export async function getObject(call: S3Call): Promise<void> {
  const range = parseRange(call.header('range'))
  let wanted: { start: number; end?: number } | undefined
  if (range && 'suffix' in range) {
    const { size } = await call.objects.headObject(call.bucket, call.key, versionOption(call))
    if (range.suffix === 0 || size === 0) throw invalidRange(size)
    wanted = { start: Math.max(0, size - range.suffix) }
  } else {
    wanted = range
  }
  if (call.header('if-match') ?? call.header('if-none-match') ?? call.header('if-modified-since') ?? call.header('if-unmodified-since')) {
    checkConditions(call, await call.objects.headObject(call.bucket, call.key, versionOption(call)))
  }
  const got = await call.objects.getObject(call.bucket, call.key, { ...versionOption(call), ...(wanted ? { range: wanted } : {}) })
  const headers = objectResponseHeaders(call, got.meta, await versioningConfigured(call))
  const reply = call.reply.headers(headers)
  if (got.range) {
    reply
      .code(206)
      .header('content-range', `bytes ${got.range.start}-${got.range.end}/${got.meta.size}`)
      .header('content-length', String(got.range.end - got.range.start + 1))
  } else {
    reply.code(200).header('content-length', String(got.meta.size))
  }
  reply.send(got.body)
}

export async function headObject(call: S3Call): Promise<void> {
  const meta = await call.objects.headObject(call.bucket, call.key, versionOption(call))
  checkConditions(call, meta)
  const headers = objectResponseHeaders(call, meta, await versioningConfigured(call))
  call.reply.code(200).headers(headers).header('content-length', String(meta.size)).send()
}

export async function putObject(call: S3Call): Promise<void> {
  const result = await call.objects.putObject(call.bucket, call.key, call.body(), objectSettings(call))
  call.reply
    .code(200)
    .header('etag', result.etag)
    .headers(versionHeader(result.versionId, await versioningConfigured(call)))
    .send()
}

/** `x-amz-copy-source`, checked: InvalidArgument when it does not name a bucket and key. */
export function copySource(call: S3Call): { bucket: string; key: string; versionId?: string } {
  const header = call.header('x-amz-copy-source') ?? ''
  const source = parseCopySource(header)
  if (!source) throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', header)
  return source
}

export async function copyObject(call: S3Call): Promise<void> {
  const source = copySource(call)
  const directive = (call.header('x-amz-metadata-directive') ?? 'COPY').toUpperCase()
  if (directive !== 'COPY' && directive !== 'REPLACE') throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive)
  call.request.raw.resume()
  const result = await call.objects.copyObject(source, { bucket: call.bucket, key: call.key }, directive === 'REPLACE' ? objectSettings(call) : undefined)
  const reply = call.reply.headers(versionHeader(result.versionId, await versioningConfigured(call)))
  if (source.versionId !== undefined) reply.header('x-amz-copy-source-version-id', source.versionId)
  call.sendXml(xmlDocument('CopyObjectResult', el('LastModified', result.lastModified.toISOString()) + el('ETag', result.etag)))
}

export async function deleteObject(call: S3Call): Promise<void> {
  const result = await call.objects.deleteObject(call.bucket, call.key, versionOption(call))
  if (result.versionId !== undefined) call.reply.header('x-amz-version-id', result.versionId)
  if (result.deleteMarker) call.reply.header('x-amz-delete-marker', 'true')
  call.sendEmpty(204)
}

/** Reads the object or part of it (for UploadPartCopy's `x-amz-copy-source-range`). */
export async function readSource(call: S3Call, source: { bucket: string; key: string; versionId?: string }, rangeHeader: string | undefined): Promise<Readable> {
  let range: { start: number; end: number } | undefined
  if (rangeHeader !== undefined) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim())
    if (!match || Number(match[2]) < Number(match[1])) {
      throw invalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 'x-amz-copy-source-range', rangeHeader)
    }
    range = { start: Number(match[1]), end: Number(match[2]) }
  }
  const got = await call.objects.getObject(source.bucket, source.key, {
    ...(source.versionId !== undefined ? { versionId: source.versionId } : {}),
    ...(range ? { range } : {}),
  })
  if (range && got.range && got.range.end !== range.end) {
    got.body.destroy()
    throw invalidRange(got.meta.size)
  }
  return got.body
}
