/**
 * CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload,
 * ListMultipartUploads, ListParts.
 */
import { invalidArgument, invalidPartNumber, malformedXml } from '../../artifacts/model/errors.ts'
import type { S3Call } from './s3-call.ts'
import { objectSettings, versionHeader } from './object-headers.ts'
import { copySource, readSource } from './object-operations.ts'
import { el, listingEncoder, listOf, parseXmlBody, textOf, xmlDocument } from './xml.ts'

function uploadId(call: S3Call): string {
  return call.query('uploadId') ?? ''
}

function partNumber(call: S3Call): number {
  const text = call.query('partNumber') ?? ''
  if (!/^\d{1,5}$/.test(text)) throw invalidPartNumber()
  return Number(text)
}

export async function createMultipartUpload(call: S3Call): Promise<void> {
  call.request.raw.resume()
  const id = await call.objects.createMultipartUpload(call.bucket, call.key, objectSettings(call))
  call.sendXml(xmlDocument('InitiateMultipartUploadResult', el('Bucket', call.bucket) + el('Key', call.key) + el('UploadId', id)))
}

export async function uploadPart(call: S3Call): Promise<void> {
  const { etag } = await call.objects.uploadPart(call.bucket, call.key, uploadId(call), partNumber(call), call.body())
  call.reply.header('etag', etag)
  call.sendEmpty(200)
}

export async function uploadPartCopy(call: S3Call): Promise<void> {
  const number = partNumber(call)
  const source = copySource(call)
  call.request.raw.resume()
  const body = await readSource(call, source, call.header('x-amz-copy-source-range'))
  const { etag } = await call.objects.uploadPart(call.bucket, call.key, uploadId(call), number, body)
  if (source.versionId !== undefined) call.reply.header('x-amz-copy-source-version-id', source.versionId)
  call.sendXml(xmlDocument('CopyPartResult', el('LastModified', call.clock.now().toISOString()) + el('ETag', etag)))
}

export async function completeMultipartUpload(call: S3Call): Promise<void> {
  const doc = parseXmlBody(await call.smallBody(), 'CompleteMultipartUpload')
  const parts = listOf(doc, 'Part').map((part) => {
    const number = textOf(part, 'PartNumber')
    const etag = textOf(part, 'ETag')
    if (number === undefined || etag === undefined) throw malformedXml()
    if (!/^\s*\d{1,5}\s*$/.test(number)) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', number)
    return { partNumber: Number(number), etag: etag.trim() }
  })
  if (parts.length === 0) throw malformedXml()
  const result = await call.objects.completeMultipartUpload(call.bucket, call.key, uploadId(call), parts)
  const versioning = await call.objects.getBucketVersioning(call.bucket)
  const host = call.header('host') ?? 'localhost'
  const location = `http://${host}/${encodeURIComponent(call.bucket)}/${call.key.split('/').map(encodeURIComponent).join('/')}`
  call.reply.headers(versionHeader(result.versionId, versioning !== undefined))
  call.sendXml(xmlDocument('CompleteMultipartUploadResult', el('Location', location) + el('Bucket', call.bucket) + el('Key', call.key) + el('ETag', result.etag)))
}

export async function abortMultipartUpload(call: S3Call): Promise<void> {
  await call.objects.abortMultipartUpload(call.bucket, call.key, uploadId(call))
  call.sendEmpty(204)
}

/** The caller as S3 shows an upload's `Initiator` and `Owner`. */
function initiatorAndOwner(call: S3Call): string {
  const owner = call.ownerXml()
  return owner.replace(/^<Owner>/, '<Initiator>').replace(/<\/Owner>$/, '</Initiator>') + owner
}

export async function listMultipartUploads(call: S3Call): Promise<void> {
  const encodingType = call.query('encoding-type')
  if (encodingType !== undefined && encodingType !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType)
  const encode = listingEncoder(encodingType)
  const prefix = call.query('prefix') ?? ''
  const delimiter = call.query('delimiter') || undefined
  const keyMarker = call.query('key-marker') || undefined
  const uploadIdMarker = keyMarker !== undefined ? call.query('upload-id-marker') || undefined : undefined
  const maxUploads = Math.min(call.integerQuery('max-uploads') ?? 1000, 1000)
  const page = await call.objects.listMultipartUploads(call.bucket, {
    prefix,
    maxUploads,
    ...(delimiter ? { delimiter } : {}),
    ...(keyMarker !== undefined ? { keyMarker } : {}),
    ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}),
  })
  const people = initiatorAndOwner(call)
  const inner = [
    el('Bucket', call.bucket),
    el('KeyMarker', encode(keyMarker ?? '')),
    el('UploadIdMarker', uploadIdMarker ?? ''),
    el('NextKeyMarker', page.nextKeyMarker !== undefined ? encode(page.nextKeyMarker) : undefined),
    el('NextUploadIdMarker', page.nextUploadIdMarker),
    el('Delimiter', delimiter !== undefined ? encode(delimiter) : undefined),
    el('Prefix', encode(prefix)),
    el('MaxUploads', maxUploads),
    el('IsTruncated', page.isTruncated),
    el('EncodingType', encodingType),
    page.uploads.map((u) => `<Upload>${el('Key', encode(u.key))}${el('UploadId', u.uploadId)}${people}${el('StorageClass', 'STANDARD')}${el('Initiated', u.initiated)}</Upload>`).join(''),
    page.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', encode(p))}</CommonPrefixes>`).join(''),
  ].join('')
  call.sendXml(xmlDocument('ListMultipartUploadsResult', inner))
}

export async function listParts(call: S3Call): Promise<void> {
  const partNumberMarker = call.integerQuery('part-number-marker') ?? 0
  const maxParts = Math.min(call.integerQuery('max-parts') ?? 1000, 1000)
  const page = await call.objects.listParts(call.bucket, call.key, uploadId(call), { partNumberMarker, maxParts })
  const inner = [
    el('Bucket', call.bucket),
    el('Key', call.key),
    el('UploadId', uploadId(call)),
    initiatorAndOwner(call),
    el('StorageClass', 'STANDARD'),
    el('PartNumberMarker', partNumberMarker),
    el('NextPartNumberMarker', page.nextPartNumberMarker),
    el('MaxParts', maxParts),
    el('IsTruncated', page.isTruncated),
    page.parts.map((p) => `<Part>${el('PartNumber', p.partNumber)}${el('LastModified', p.lastModified)}${el('ETag', p.etag)}${el('Size', p.size)}</Part>`).join(''),
  ].join('')
  call.sendXml(xmlDocument('ListPartsResult', inner))
}
