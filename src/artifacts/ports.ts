import type { Readable } from 'node:stream'
import type { PartPage, UploadPage, UploadQuery } from './model/upload-listing.ts'

/**
 * The `ObjectStore` port: S3 semantics (buckets, keys, versions, multipart uploads) for every context.
 * Embedded adapter: folders under `<dataDir>/buckets`; scale-out adapter: an external S3-compatible
 * store. Bodies are streams, never whole buffers.
 *
 * Contract:
 * - Writes are atomic: a reader sees the old object or the new one, never a partial body, also after a
 *   crash mid-upload (write to a temp file, fsync, rename).
 * - `putObject` consumes the stream fully; if the stream errors the object is not created.
 * - In a bucket with versioning `Enabled`, every put creates a new version id and earlier versions stay
 *   readable by id; with versioning never enabled, version id is `null` and a put replaces the object.
 * - Errors are `AwsError`s with S3's codes: NoSuchBucket, NoSuchKey, NoSuchVersion, BucketAlreadyOwnedByYou,
 *   BucketNotEmpty, InvalidBucketName, NoSuchUpload, InvalidPart, InvalidPartOrder, EntityTooSmall,
 *   InvalidRange; HTTP statuses as S3 uses them.
 * - Safe for concurrent calls. Keys are arbitrary UTF-8 (up to 1024 bytes) and never become file paths
 *   directly (no traversal possible).
 */
export type ObjectMetadata = {
  key: string
  size: number
  /** Quoted hex MD5 for single puts, `"<md5-of-md5s>-<parts>"` for multipart, as S3 does. */
  etag: string
  lastModified: Date
  versionId: string | null
  contentType?: string
  /** `x-amz-meta-*` user metadata, lower-case names without the prefix. */
  userMetadata: Record<string, string>
}

export type PutResult = { etag: string; versionId: string | null }

export type ListResult = {
  objects: ObjectMetadata[]
  commonPrefixes: string[]
  isTruncated: boolean
  nextContinuationToken?: string
}

export interface ObjectStore {
  createBucket(bucket: string): Promise<void>
  deleteBucket(bucket: string): Promise<void>
  headBucket(bucket: string): Promise<boolean>
  listBuckets(): Promise<{ name: string; creationDate: Date }[]>
  getBucketVersioning(bucket: string): Promise<'Enabled' | 'Suspended' | undefined>
  putBucketVersioning(bucket: string, status: 'Enabled' | 'Suspended'): Promise<void>

  putObject(bucket: string, key: string, body: Readable, options?: { contentType?: string; userMetadata?: Record<string, string> }): Promise<PutResult>
  /** `range` is inclusive byte offsets, already validated against nothing (the adapter checks size). */
  getObject(bucket: string, key: string, options?: { versionId?: string; range?: { start: number; end?: number } }): Promise<{ meta: ObjectMetadata; body: Readable; range?: { start: number; end: number } }>
  headObject(bucket: string, key: string, options?: { versionId?: string }): Promise<ObjectMetadata>
  deleteObject(bucket: string, key: string, options?: { versionId?: string }): Promise<{ versionId?: string; deleteMarker?: boolean }>
  /**
   * Copies an object (a version of it with `source.versionId`). Without `options` the source's content
   * type and user metadata are kept (S3's `COPY` directive); with `options` they are replaced (`REPLACE`).
   * Copying an object onto itself without `options` is S3's InvalidRequest.
   */
  copyObject(source: { bucket: string; key: string; versionId?: string }, target: { bucket: string; key: string }, options?: { contentType?: string; userMetadata?: Record<string, string> }): Promise<PutResult & { lastModified: Date }>
  listObjects(bucket: string, options: { prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string; startAfter?: string }): Promise<ListResult>
  /**
   * Every version and delete marker, by key in UTF-8 binary order, newest first within a key. `keyMarker`
   * alone starts after that key; with `versionIdMarker` it starts after that version of that key.
   */
  listObjectVersions(bucket: string, options: { prefix?: string; delimiter?: string; maxKeys?: number; keyMarker?: string; versionIdMarker?: string }): Promise<VersionListResult>

  createMultipartUpload(bucket: string, key: string, options?: { contentType?: string; userMetadata?: Record<string, string> }): Promise<string>
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable): Promise<{ etag: string }>
  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<PutResult>
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>
  /** Uploads in progress, by key then initiation time (see `listUploads` for markers and roll-up). */
  listMultipartUploads(bucket: string, query: UploadQuery): Promise<UploadPage>
  /** The parts uploaded so far to one upload, after `partNumberMarker`; NoSuchUpload as the other upload calls. */
  listParts(bucket: string, key: string, uploadId: string, options: { partNumberMarker: number; maxParts: number }): Promise<PartPage & { initiated: string }>
}

/** One entry of `listObjectVersions`: a version (`deleteMarker: false`) or a delete marker. */
export type ObjectVersionSummary = ObjectMetadata & { isLatest: boolean; deleteMarker: boolean }

export type VersionListResult = {
  versions: ObjectVersionSummary[]
  commonPrefixes: string[]
  isTruncated: boolean
  nextKeyMarker?: string
  nextVersionIdMarker?: string
}
