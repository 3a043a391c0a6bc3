/**
 * CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload.
 */
import { invalidArgument, invalidPartNumber, malformedXml } from '../../artifacts/model/errors.ts'
import type { S3Call } from './s3-call.ts'
import { objectSettings, versionHeader } from './object-headers.ts'
import { copySource, readSource } from './object-operations.ts'
import { el, listOf, parseXmlBody, textOf, xmlDocument } from './xml.ts'

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
