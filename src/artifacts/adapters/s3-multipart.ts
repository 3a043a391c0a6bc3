/**
 * Multipart uploads for the S3 adapter: passed through to the service, which checks parts, their order
 * and sizes. A part's length is learned before it is sent (`sizedBody`), as S3 refuses a body of
 * unknown length. ListParts does not tell when the upload was initiated; it is looked up in the
 * bucket's upload listing (empty when the upload finished meanwhile).
 */
import type { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { Clock } from '../../infra/clock.ts'
import { invalidPartNumber, noSuchUpload } from '../model/errors.ts'
import { compareKeys } from '../model/names.ts'
import type { PartPage, UploadPage, UploadQuery } from '../model/upload-listing.ts'
import type { PutResult } from '../ports.ts'
import { MAX_PART_NUMBER } from './multipart-uploads.ts'
import { sizedBody } from './s3-bodies.ts'
import type { S3ErrorMapper } from './s3-errors.ts'
import { portVersionId, toPartPage, toUploadPage } from './s3-listings.ts'

/** What the multipart code needs from the store that owns it. */
export type MultipartHost = {
  client: S3Client
  errors: S3ErrorMapper
  clock: Clock
  /** The service's bucket name; NoSuchBucket for a name no bucket can have. */
  external(bucket: string): string
}

export class S3Multipart {
  readonly #host: MultipartHost

  constructor(host: MultipartHost) {
    this.#host = host
  }

  async create(bucket: string, key: string, headers: { ContentType?: string; Metadata: Record<string, string> }): Promise<string> {
    const Bucket = this.#host.external(bucket)
    const out = await this.#host.errors.guard({ bucket, key }, () => this.#host.client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ...headers })))
    return out.UploadId ?? ''
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable): Promise<{ etag: string }> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) throw invalidPartNumber()
    const Bucket = this.#host.external(bucket)
    if (key === '' || uploadId === '') throw noSuchUpload(uploadId)
    const part = await sizedBody(body)
    try {
      const out = await this.#host.errors.guard({ bucket, key, uploadId }, () =>
        this.#host.client.send(new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: part.body, ContentLength: part.size })),
      )
      return { etag: out.ETag ?? '' }
    } finally {
      await part.dispose()
    }
  }

  async complete(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<PutResult> {
    const Bucket = this.#host.external(bucket)
    if (key === '' || uploadId === '') throw noSuchUpload(uploadId)
    const MultipartUpload = { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) }
    const out = await this.#host.errors.guard({ bucket, key, uploadId }, () =>
      this.#host.client.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId, MultipartUpload })),
    )
    return { etag: out.ETag ?? '', versionId: portVersionId(out.VersionId) }
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    const Bucket = this.#host.external(bucket)
    if (key === '' || uploadId === '') throw noSuchUpload(uploadId)
    await this.#host.errors.guard({ bucket, key, uploadId }, () => this.#host.client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId })))
  }

  async list(bucket: string, query: UploadQuery): Promise<UploadPage> {
    const Bucket = this.#host.external(bucket)
    const input = {
      Bucket,
      EncodingType: 'url' as const,
      MaxUploads: query.maxUploads,
      ...(query.prefix ? { Prefix: query.prefix } : {}),
      ...(query.delimiter ? { Delimiter: query.delimiter } : {}),
      ...(query.keyMarker !== undefined ? { KeyMarker: query.keyMarker } : {}),
      ...(query.keyMarker !== undefined && query.uploadIdMarker !== undefined ? { UploadIdMarker: query.uploadIdMarker } : {}),
    }
    return toUploadPage(await this.#host.errors.guard({ bucket }, () => this.#host.client.send(new ListMultipartUploadsCommand(input))))
  }

  async parts(bucket: string, key: string, uploadId: string, options: { partNumberMarker: number; maxParts: number }): Promise<PartPage & { initiated: string }> {
    const Bucket = this.#host.external(bucket)
    if (key === '' || uploadId === '') throw noSuchUpload(uploadId)
    const out = await this.#host.errors.guard({ bucket, key, uploadId }, () =>
      this.#host.client.send(
        new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, PartNumberMarker: String(options.partNumberMarker), MaxParts: options.maxParts }),
      ),
    )
    return { ...toPartPage(out, this.#host.clock.now()), initiated: await this.#initiated(bucket, key, uploadId) }
  }

  /** When the upload was initiated, from the upload listing of its key (pages followed while they hold the key). */
  async #initiated(bucket: string, key: string, uploadId: string): Promise<string> {
    let markers: Pick<UploadQuery, 'keyMarker' | 'uploadIdMarker'> = {}
    for (;;) {
      const page = await this.list(bucket, { prefix: key, maxUploads: 1000, ...markers })
      const found = page.uploads.find((u) => u.key === key && u.uploadId === uploadId)
      if (found) return found.initiated
      const past = page.uploads.some((u) => compareKeys(u.key, key) > 0)
      if (!page.isTruncated || past || page.nextKeyMarker === undefined) return ''
      markers = { keyMarker: page.nextKeyMarker, ...(page.nextUploadIdMarker !== undefined ? { uploadIdMarker: page.nextUploadIdMarker } : {}) }
    }
  }
}
