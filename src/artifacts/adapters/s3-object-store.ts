/**
 * The scale-out `ObjectStore`: any S3-compatible service through `@aws-sdk/client-s3`. Slipway bucket
 * `b` is the service's bucket `<bucketPrefix>b`; buckets without the prefix are invisible
 * (`s3-buckets.ts`). Names and keys are checked as the folder store checks them, before any request;
 * the service's errors become the folder store's `S3Error`s (`s3-errors.ts`).
 *
 * Bodies stream both ways: a put goes through `Upload` (`@aws-sdk/lib-storage`), which sends a body
 * larger than one part as a multipart upload and holds at most `QUEUE_SIZE` parts of `PART_SIZE` in
 * memory (such an object's ETag is therefore S3's multipart form); a get hands over the response
 * stream. Atomicity, versioning and concurrency are the service's. Listings carry what S3 listings
 * carry (`s3-listings.ts`). Checksums are sent and checked only where S3 requires them, because many
 * S3-compatible services reject the SDK's default flexible checksums.
 */
import type { Readable } from 'node:stream'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { systemClock, type Clock } from '../../infra/clock.ts'
import { copyToItself, deleteMarkerVersion, invalidRange, noSuchBucket, noSuchKey, noSuchVersion } from '../model/errors.ts'
import type { PartPage, UploadPage, UploadQuery } from '../model/upload-listing.ts'
import type { ListResult, ObjectMetadata, ObjectStore, PutResult, VersionListResult } from '../ports.ts'
import { countedBody, parseContentRange, rangeHeader } from './s3-bodies.ts'
import { S3Buckets } from './s3-buckets.ts'
import { responseHeaders, S3ErrorMapper, statusOf, type ErrorScope } from './s3-errors.ts'
import { portVersionId, toListResult, toVersionListResult } from './s3-listings.ts'
import { S3Multipart } from './s3-multipart.ts'
import {
  checkKey,
  contentHeaders,
  copySource,
  impossibleKey,
  listObjectsInput,
  listVersionsInput,
  responseStream,
  toMetadata,
  versionInput,
  type WriteOptions,
} from './s3-requests.ts'

export type S3ObjectStoreOptions = {
  /** The service's URL; the SDK's AWS endpoint when absent. */
  endpoint?: string
  region: string
  /** The SDK's default credential chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string }
  /** Path-style requests (`<endpoint>/<bucket>/<key>`), as most S3-compatible services want. */
  forcePathStyle?: boolean
  /** Put before every Slipway bucket name: lower-case letters, digits, dots and hyphens, or empty. */
  bucketPrefix: string
  /** Only for times an answer leaves out; object times are the service's. */
  clock?: Clock
}

/** S3's smallest part, and how many parts `Upload` fills and sends at once: a put holds at most ~10 MiB. */
const PART_SIZE = 5 * 1024 * 1024
const QUEUE_SIZE = 2

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client
  readonly #errors: S3ErrorMapper
  readonly #buckets: S3Buckets
  readonly #multipart: S3Multipart
  readonly #clock: Clock

  /** @throws TypeError for a bucket prefix that cannot start an S3 bucket name. */
  constructor(options: S3ObjectStoreOptions) {
    this.#client = new S3Client({
      region: options.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    this.#errors = new S3ErrorMapper(options.bucketPrefix)
    this.#buckets = new S3Buckets(this.#client, this.#errors, options.bucketPrefix, options.region)
    this.#clock = options.clock ?? systemClock
    this.#multipart = new S3Multipart({
      client: this.#client,
      errors: this.#errors,
      clock: this.#clock,
      external: (bucket) => this.#buckets.external(bucket),
    })
  }

  /** Closes the client's connections; the store cannot be used afterwards. */
  destroy(): void {
    this.#client.destroy()
  }

  // ---- buckets (s3-buckets.ts) ----

  createBucket(bucket: string): Promise<void> {
    return this.#buckets.create(bucket)
  }

  deleteBucket(bucket: string): Promise<void> {
    return this.#buckets.delete(bucket)
  }

  headBucket(bucket: string): Promise<boolean> {
    return this.#buckets.exists(bucket)
  }

  listBuckets(): Promise<{ name: string; creationDate: Date }[]> {
    return this.#buckets.list()
  }

  getBucketVersioning(bucket: string): Promise<'Enabled' | 'Suspended' | undefined> {
    return this.#buckets.versioning(bucket)
  }

  putBucketVersioning(bucket: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    return this.#buckets.setVersioning(bucket, status)
  }

  // ---- objects ----

  async putObject(bucket: string, key: string, body: Readable, options: WriteOptions = {}): Promise<PutResult> {
    checkKey(key)
    const Bucket = this.#buckets.external(bucket)
    const counted = countedBody(body)
    const params = { Bucket, Key: key, Body: counted.stream, ...contentHeaders(options) }
    let out: { ETag?: string; VersionId?: string }
    try {
      out = await new Upload({ client: this.#client, params, partSize: PART_SIZE, queueSize: QUEUE_SIZE }).done()
    } catch (error) {
      // When the body fails, the upload's clean-up may fail after it (s3rver cannot abort): report the cause.
      throw counted.failure() ?? this.#errors.map(error, { bucket, key })
    }
    return { etag: out.ETag ?? '', versionId: portVersionId(out.VersionId) }
  }

  async getObject(
    bucket: string,
    key: string,
    options: { versionId?: string; range?: { start: number; end?: number } } = {},
  ): Promise<{ meta: ObjectMetadata; body: Readable; range?: { start: number; end: number } }> {
    const Bucket = this.#buckets.external(bucket)
    const scope = { bucket, key, ...(options.versionId !== undefined ? { versionId: options.versionId } : {}) }
    if (impossibleKey(key)) return this.#missing(scope)
    const Range = options.range ? rangeHeader(options.range) : undefined
    // S3 ignores a malformed Range; the folder store refuses it, with the object's size.
    if (options.range && Range === undefined) throw invalidRange((await this.headObject(bucket, key, scope)).size)
    const input = { Bucket, Key: key, ...versionInput(options.versionId), ...(Range ? { Range } : {}) }
    const out = await this.#errors.guard(scope, () => this.#client.send(new GetObjectCommand(input)))
    const range = parseContentRange(out.ContentRange)
    const meta = toMetadata(key, out, range?.size ?? out.ContentLength ?? 0)
    return { meta, body: responseStream(out.Body), ...(options.range && range ? { range: { start: range.start, end: range.end } } : {}) }
  }

  async headObject(bucket: string, key: string, options: { versionId?: string } = {}): Promise<ObjectMetadata> {
    const Bucket = this.#buckets.external(bucket)
    const scope = { bucket, key, ...(options.versionId !== undefined ? { versionId: options.versionId } : {}) }
    if (impossibleKey(key)) return this.#missing(scope)
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket, Key: key, ...versionInput(options.versionId) }))
      return toMetadata(key, out, out.ContentLength ?? 0)
    } catch (error) {
      throw await this.#headError(error, scope)
    }
  }

  async deleteObject(bucket: string, key: string, options: { versionId?: string } = {}): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    const Bucket = this.#buckets.external(bucket)
    if (impossibleKey(key)) {
      if (!(await this.#buckets.exists(bucket))) throw noSuchBucket(bucket)
      return {}
    }
    const input = { Bucket, Key: key, ...versionInput(options.versionId) }
    const out = await this.#errors.guard({ bucket, key }, () => this.#client.send(new DeleteObjectCommand(input)))
    return { ...(out.VersionId !== undefined ? { versionId: out.VersionId } : {}), ...(out.DeleteMarker ? { deleteMarker: true } : {}) }
  }

  async copyObject(
    source: { bucket: string; key: string; versionId?: string },
    target: { bucket: string; key: string },
    options?: WriteOptions,
  ): Promise<PutResult & { lastModified: Date }> {
    checkKey(target.key)
    if (!options && source.versionId === undefined && source.bucket === target.bucket && source.key === target.key) throw copyToItself()
    const Bucket = this.#buckets.external(target.bucket)
    const CopySource = copySource(this.#buckets.external(source.bucket), source.key, source.versionId)
    const directive = options ? { MetadataDirective: 'REPLACE' as const, ...contentHeaders(options) } : { MetadataDirective: 'COPY' as const }
    const scope = { bucket: source.bucket, key: source.key, ...(source.versionId !== undefined ? { versionId: source.versionId } : {}) }
    const out = await this.#errors.guard(scope, () => this.#client.send(new CopyObjectCommand({ Bucket, Key: target.key, CopySource, ...directive })))
    return { etag: out.CopyObjectResult?.ETag ?? '', versionId: portVersionId(out.VersionId), lastModified: out.CopyObjectResult?.LastModified ?? this.#clock.now() }
  }

  async listObjects(
    bucket: string,
    options: { prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string; startAfter?: string },
  ): Promise<ListResult> {
    const input = listObjectsInput(this.#buckets.external(bucket), options)
    return toListResult(await this.#errors.guard({ bucket }, () => this.#client.send(new ListObjectsV2Command(input))))
  }

  async listObjectVersions(
    bucket: string,
    options: { prefix?: string; delimiter?: string; maxKeys?: number; keyMarker?: string; versionIdMarker?: string },
  ): Promise<VersionListResult> {
    const input = listVersionsInput(this.#buckets.external(bucket), options)
    return toVersionListResult(await this.#errors.guard({ bucket }, () => this.#client.send(new ListObjectVersionsCommand(input))))
  }

  // ---- multipart (s3-multipart.ts) ----

  async createMultipartUpload(bucket: string, key: string, options: WriteOptions = {}): Promise<string> {
    checkKey(key)
    return this.#multipart.create(bucket, key, contentHeaders(options))
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable): Promise<{ etag: string }> {
    return this.#multipart.uploadPart(bucket, key, uploadId, partNumber, body)
  }

  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<PutResult> {
    return this.#multipart.complete(bucket, key, uploadId, parts)
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.#multipart.abort(bucket, key, uploadId)
  }

  listMultipartUploads(bucket: string, query: UploadQuery): Promise<UploadPage> {
    return this.#multipart.list(bucket, query)
  }

  listParts(bucket: string, key: string, uploadId: string, options: { partNumberMarker: number; maxParts: number }): Promise<PartPage & { initiated: string }> {
    return this.#multipart.parts(bucket, key, uploadId, options)
  }

  // ---- internals ----

  /** What the folder store answers for a key no object can have. */
  async #missing(scope: ErrorScope & { bucket: string; key: string }): Promise<never> {
    if (!(await this.#buckets.exists(scope.bucket))) throw noSuchBucket(scope.bucket)
    throw scope.versionId !== undefined ? noSuchVersion(scope.key, scope.versionId) : noSuchKey(scope.key)
  }

  /**
   * A HEAD error has no body, so no code: tell a missing bucket, key and version apart as GET does (a
   * latest delete marker shows in the headers; naming a delete marker's own id is a 405).
   */
  async #headError(error: unknown, scope: ErrorScope & { bucket: string; key: string }): Promise<unknown> {
    const status = statusOf(error)
    if (status === 405 && scope.versionId !== undefined) return deleteMarkerVersion(scope.versionId)
    if (status !== 404 || (error as Error).name !== 'NotFound') return this.#errors.map(error, scope)
    const headers = responseHeaders(error)
    if (headers['x-amz-delete-marker'] === 'true') return noSuchKey(scope.key, headers)
    if (!(await this.#buckets.exists(scope.bucket))) return noSuchBucket(scope.bucket)
    return scope.versionId !== undefined ? noSuchVersion(scope.key, scope.versionId) : noSuchKey(scope.key)
  }
}
