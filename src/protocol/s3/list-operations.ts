/**
 * ListObjectsV2, ListObjects (v1) and ListObjectVersions, with `encoding-type=url` support.
 */
import { invalidArgument } from '../../artifacts/model/errors.ts'
import { compareKeys } from '../../artifacts/model/names.ts'
import type { ObjectMetadata } from '../../artifacts/ports.ts'
import type { S3Call } from './s3-call.ts'
import { el, listingEncoder, xmlDocument } from './xml.ts'

type ListParams = { prefix: string; delimiter?: string; maxKeys: number; encode: (text: string) => string; encodingType?: string }

function listParams(call: S3Call): ListParams {
  const encodingType = call.query('encoding-type')
  if (encodingType !== undefined && encodingType !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType)
  const delimiter = call.query('delimiter')
  return {
    prefix: call.query('prefix') ?? '',
    ...(delimiter ? { delimiter } : {}),
    maxKeys: Math.min(call.integerQuery('max-keys') ?? 1000, 1000),
    encode: listingEncoder(encodingType),
    ...(encodingType !== undefined ? { encodingType } : {}),
  }
}

function contents(object: ObjectMetadata, encode: (text: string) => string, owner: string): string {
  return `<Contents>${el('Key', encode(object.key))}${el('LastModified', object.lastModified.toISOString())}${el('ETag', object.etag)}${el('Size', object.size)}${owner}${el('StorageClass', 'STANDARD')}</Contents>`
}

const prefixes = (list: string[], encode: (text: string) => string) => list.map((p) => `<CommonPrefixes>${el('Prefix', encode(p))}</CommonPrefixes>`).join('')

export async function listObjectsV2(call: S3Call): Promise<void> {
  const params = listParams(call)
  const token = call.query('continuation-token')
  const startAfter = call.query('start-after')
  const result = await call.objects.listObjects(call.bucket, {
    prefix: params.prefix,
    ...(params.delimiter ? { delimiter: params.delimiter } : {}),
    maxKeys: params.maxKeys,
    ...(token !== undefined ? { continuationToken: token } : {}),
    ...(startAfter ? { startAfter } : {}),
  })
  const owner = call.query('fetch-owner') === 'true' ? call.ownerXml() : ''
  const { encode } = params
  const inner = [
    el('Name', call.bucket),
    el('Prefix', encode(params.prefix)),
    params.delimiter !== undefined ? el('Delimiter', encode(params.delimiter)) : '',
    el('MaxKeys', params.maxKeys),
    el('KeyCount', result.objects.length + result.commonPrefixes.length),
    el('IsTruncated', result.isTruncated),
    el('ContinuationToken', token),
    el('NextContinuationToken', result.nextContinuationToken),
    startAfter ? el('StartAfter', encode(startAfter)) : '',
    el('EncodingType', params.encodingType),
    result.objects.map((o) => contents(o, encode, owner)).join(''),
    prefixes(result.commonPrefixes, encode),
  ].join('')
  call.sendXml(xmlDocument('ListBucketResult', inner))
}

export async function listObjectsV1(call: S3Call): Promise<void> {
  const params = listParams(call)
  const marker = call.query('marker') ?? ''
  const result = await call.objects.listObjects(call.bucket, {
    prefix: params.prefix,
    ...(params.delimiter ? { delimiter: params.delimiter } : {}),
    maxKeys: params.maxKeys,
    ...(marker ? { startAfter: marker } : {}),
  })
  const { encode } = params
  const last = [result.objects.at(-1)?.key, result.commonPrefixes.at(-1)].filter((x): x is string => x !== undefined).sort(compareKeys).at(-1)
  const inner = [
    el('Name', call.bucket),
    el('Prefix', encode(params.prefix)),
    el('Marker', encode(marker)),
    el('MaxKeys', params.maxKeys),
    params.delimiter !== undefined ? el('Delimiter', encode(params.delimiter)) : '',
    el('IsTruncated', result.isTruncated),
    result.isTruncated && params.delimiter !== undefined && last !== undefined ? el('NextMarker', encode(last)) : '',
    el('EncodingType', params.encodingType),
    result.objects.map((o) => contents(o, encode, call.ownerXml())).join(''),
    prefixes(result.commonPrefixes, encode),
  ].join('')
  call.sendXml(xmlDocument('ListBucketResult', inner))
}

export async function listObjectVersions(call: S3Call): Promise<void> {
  const params = listParams(call)
  const keyMarker = call.query('key-marker') || undefined
  const versionIdMarker = call.query('version-id-marker') || undefined
  const result = await call.objects.listObjectVersions(call.bucket, {
    prefix: params.prefix,
    ...(params.delimiter ? { delimiter: params.delimiter } : {}),
    maxKeys: params.maxKeys,
    ...(keyMarker !== undefined ? { keyMarker } : {}),
    ...(versionIdMarker !== undefined ? { versionIdMarker } : {}),
  })
  const { encode } = params
  const owner = call.ownerXml()
  const entries = result.versions.map((v) => {
    const common = `${el('Key', encode(v.key))}${el('VersionId', v.versionId ?? 'null')}${el('IsLatest', v.isLatest)}${el('LastModified', v.lastModified.toISOString())}`
    return v.deleteMarker
      ? `<DeleteMarker>${common}${owner}</DeleteMarker>`
      : `<Version>${common}${el('ETag', v.etag)}${el('Size', v.size)}${el('StorageClass', 'STANDARD')}${owner}</Version>`
  })
  const inner = [
    el('Name', call.bucket),
    el('Prefix', encode(params.prefix)),
    el('KeyMarker', encode(keyMarker ?? '')),
    el('VersionIdMarker', versionIdMarker ?? ''),
    result.isTruncated ? el('NextKeyMarker', result.nextKeyMarker !== undefined ? encode(result.nextKeyMarker) : undefined) : '',
    result.isTruncated ? el('NextVersionIdMarker', result.nextVersionIdMarker) : '',
    el('MaxKeys', params.maxKeys),
    params.delimiter !== undefined ? el('Delimiter', encode(params.delimiter)) : '',
    el('IsTruncated', result.isTruncated),
    el('EncodingType', params.encodingType),
    entries.join(''),
    prefixes(result.commonPrefixes, encode),
  ].join('')
  call.sendXml(xmlDocument('ListVersionsResult', inner))
}
