/**
 * Shaping the S3 adapter's requests and reading its responses: key rules (the folder store's), the
 * copy source, write headers, listing inputs, and object metadata out of GET/HEAD answers.
 */
import { Readable } from 'node:stream'
import type { ListObjectsV2CommandInput, ListObjectVersionsCommandInput } from '@aws-sdk/client-s3'
import { invalidArgument, keyTooLong } from '../model/errors.ts'
import { MAX_KEY_BYTES, utf8Length } from '../model/names.ts'
import type { ObjectMetadata } from '../ports.ts'
import { portVersionId } from './s3-listings.ts'

export type WriteOptions = { contentType?: string; userMetadata?: Record<string, string> }

const MAX_LIST_KEYS = 1000

/** The folder store's rule for a key to write: not empty, at most 1024 UTF-8 bytes. */
export function checkKey(key: string): void {
  if (key === '') throw invalidArgument('The key must not be empty', 'key', key)
  if (utf8Length(key) > MAX_KEY_BYTES) throw keyTooLong()
}

/** A key no object can have: the folder store answers NoSuchKey, the SDK would refuse to send it. */
export const impossibleKey = (key: string) => key === '' || utf8Length(key) > MAX_KEY_BYTES

/** `x-amz-copy-source`: bucket, then the key URL-encoded with `/` kept, as S3 expects. */
export const copySource = (bucket: string, key: string, versionId?: string) =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}${versionId !== undefined ? `?versionId=${encodeURIComponent(versionId)}` : ''}`

/** `Content-Type` and `x-amz-meta-*` of a write. */
export function contentHeaders(options: WriteOptions): { ContentType?: string; Metadata: Record<string, string> } {
  return { ...(options.contentType !== undefined ? { ContentType: options.contentType } : {}), Metadata: { ...options.userMetadata } }
}

export const versionInput = (versionId: string | undefined) => (versionId !== undefined ? { VersionId: versionId } : {})

export function listObjectsInput(
  Bucket: string,
  options: { prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string; startAfter?: string },
): ListObjectsV2CommandInput {
  return {
    Bucket,
    EncodingType: 'url',
    MaxKeys: Math.min(options.maxKeys ?? MAX_LIST_KEYS, MAX_LIST_KEYS),
    ...(options.prefix ? { Prefix: options.prefix } : {}),
    ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
    ...(options.continuationToken !== undefined ? { ContinuationToken: options.continuationToken } : {}),
    ...(options.startAfter ? { StartAfter: options.startAfter } : {}),
  }
}

export function listVersionsInput(
  Bucket: string,
  options: { prefix?: string; delimiter?: string; maxKeys?: number; keyMarker?: string; versionIdMarker?: string },
): ListObjectVersionsCommandInput {
  return {
    Bucket,
    EncodingType: 'url',
    MaxKeys: Math.min(options.maxKeys ?? MAX_LIST_KEYS, MAX_LIST_KEYS),
    ...(options.prefix ? { Prefix: options.prefix } : {}),
    ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
    ...(options.keyMarker ? { KeyMarker: options.keyMarker } : {}),
    ...(options.keyMarker && options.versionIdMarker ? { VersionIdMarker: options.versionIdMarker } : {}),
  }
}

type ObjectHeaders = { ETag?: string; LastModified?: Date; VersionId?: string; ContentType?: string; Metadata?: Record<string, string> }

/** The metadata of a GET or HEAD answer; `size` is the whole object's (a ranged GET's length is not). */
export function toMetadata(key: string, out: ObjectHeaders, size: number): ObjectMetadata {
  return {
    key,
    size,
    etag: out.ETag ?? '',
    lastModified: out.LastModified ?? new Date(0),
    versionId: portVersionId(out.VersionId),
    ...(out.ContentType !== undefined ? { contentType: out.ContentType } : {}),
    userMetadata: { ...out.Metadata },
  }
}

/** A GET's body: with the SDK's Node HTTP handler, the response stream itself. */
export function responseStream(body: unknown): Readable {
  if (body instanceof Readable) return body
  throw new TypeError('the S3 client returned a body that is not a Node stream')
}
