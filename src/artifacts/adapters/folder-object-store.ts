/**
 * The embedded `ObjectStore`: buckets are folders under `<dataDir>/buckets` (layout in
 * `folder-layout.ts`). Content is streamed to a temp file (MD5 computed on the way), flushed, and only
 * then renamed into place and recorded, so a failed or interrupted write leaves nothing visible. Each
 * bucket's key records are held in memory (loaded on first use) and changed only after the record file
 * is on disk. Writes to one bucket's records are serialised in-process; streaming runs concurrently.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { systemClock, type Clock } from '../../infra/clock.ts'
import { KeyedMutex } from '../../shared/keyed-mutex.ts'
import {
  copyToItself,
  invalidArgument,
  invalidRange,
  invalidVersionId,
  keyTooLong,
  noSuchBucket,
  noSuchKey,
} from '../model/errors.ts'
import { listKeys, listVersions } from '../model/listing.ts'
import { MAX_KEY_BYTES, utf8Length } from '../model/names.ts'
import { addVersion, deleteLatest, deleteVersion, isVisible, readableVersion } from '../model/versions.ts'
import type { DeleteResult, KeyRecord, RecordChange, StoredVersion, Versioning } from '../model/versions.ts'
import type { ListResult, ObjectMetadata, ObjectStore, PutResult, VersionListResult } from '../ports.ts'
import { isNotFound, moveIntoPlace, removeFile, streamToTemp, writeJsonAtomic, type TempFile } from './atomic-files.ts'
import type { BucketState } from './bucket-state.ts'
import { BucketCatalog, bucketLock } from './bucket-catalog.ts'
import { FolderLayout } from './folder-layout.ts'
import { MultipartUploads, type StoreHost } from './multipart-uploads.ts'
import { cliSafeId } from './ids.ts'
import type { PartPage, UploadPage, UploadQuery } from '../model/upload-listing.ts'

export type FolderObjectStoreOptions = {
  clock?: Clock
  /** Smallest size of every part but the last in a multipart upload (S3: 5 MiB). */
  minPartSize?: number
}

type NewContent = { etag: string; contentType?: string; userMetadata: Record<string, string> }

const MAX_LIST_KEYS = 1000
const VERSION_ID = /^[A-Za-z0-9._-]{1,1024}$/

const newBlobId = () => randomUUID().replaceAll('-', '')
const newVersionId = () => cliSafeId(24)
/** Objects are read in 1 MiB pieces (64 KiB by default): a large download costs a sixteenth of the calls. */
const READ_CHUNK = 1024 * 1024

export function toMetadata(key: string, version: StoredVersion): ObjectMetadata {
  return {
    key,
    size: version.size,
    etag: version.etag,
    lastModified: new Date(version.lastModified),
    versionId: version.versionId,
    ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
    userMetadata: { ...version.userMetadata },
  }
}

function checkKey(key: string): void {
  if (key === '') throw invalidArgument('The key must not be empty', 'key', key)
  if (utf8Length(key) > MAX_KEY_BYTES) throw keyTooLong()
}

function checkVersionId(versionId: string | undefined): void {
  if (versionId !== undefined && !VERSION_ID.test(versionId)) throw invalidVersionId(versionId)
}

const encodeToken = (marker: string) => Buffer.from(`k:${marker}`, 'utf8').toString('base64url')

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8')
  if (!text.startsWith('k:') || encodeToken(text.slice(2)) !== token) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token)
  }
  return text.slice(2)
}

export class FolderObjectStore implements ObjectStore {
  readonly #layout: FolderLayout
  readonly #clock: Clock
  readonly #locks = new KeyedMutex()
  readonly #catalog: BucketCatalog
  readonly #multipart: MultipartUploads

  /** Opens (creating) the store at `root`; leftovers of a previous process's temp files are removed. */
  constructor(root: string, options: FolderObjectStoreOptions = {}) {
    this.#layout = new FolderLayout(root)
    this.#clock = options.clock ?? systemClock
    this.#catalog = new BucketCatalog(this.#layout, this.#locks, this.#clock, Date.now())
    fs.mkdirSync(root, { recursive: true, mode: 0o700 })
    for (const dir of [this.#layout.tmpDir, this.#layout.trashDir]) {
      fs.rmSync(dir, { recursive: true, force: true })
      fs.mkdirSync(dir, { mode: 0o700 })
    }
    const host: StoreHost = {
      layout: this.#layout,
      locks: this.#locks,
      clock: this.#clock,
      minPartSize: options.minPartSize ?? 5 * 1024 * 1024,
      state: (bucket) => this.#state(bucket),
      store: (state, key, temp, content) => this.#store(state, key, temp, content),
    }
    this.#multipart = new MultipartUploads(host)
  }

  // ---- buckets ----

  createBucket(bucket: string): Promise<void> {
    return this.#catalog.create(bucket)
  }

  deleteBucket(bucket: string): Promise<void> {
    return this.#catalog.delete(bucket)
  }

  async headBucket(bucket: string): Promise<boolean> {
    return (await this.#catalog.find(bucket)) !== undefined
  }

  async listBuckets(): Promise<{ name: string; creationDate: Date }[]> {
    return (await this.#catalog.list()).map((s) => ({ name: s.name, creationDate: s.creationDate }))
  }

  async getBucketVersioning(bucket: string): Promise<'Enabled' | 'Suspended' | undefined> {
    return (await this.#catalog.get(bucket)).versioning
  }

  putBucketVersioning(bucket: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    return this.#catalog.setVersioning(bucket, status)
  }

  // ---- objects ----

  async putObject(bucket: string, key: string, body: Readable, options: { contentType?: string; userMetadata?: Record<string, string> } = {}): Promise<PutResult> {
    checkKey(key)
    const state = await this.#state(bucket)
    const temp = await streamToTemp(this.#layout.tmpDir, body)
    const { etag, versionId } = await this.#store(state, key, temp, {
      etag: `"${temp.md5.toString('hex')}"`,
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      userMetadata: { ...options.userMetadata },
    })
    return { etag, versionId }
  }

  async getObject(
    bucket: string,
    key: string,
    options: { versionId?: string; range?: { start: number; end?: number } } = {},
  ): Promise<{ meta: ObjectMetadata; body: Readable; range?: { start: number; end: number } }> {
    checkVersionId(options.versionId)
    const state = await this.#state(bucket)
    for (let attempt = 0; ; attempt++) {
      const version = readableVersion(state.get(key), key, options.versionId)
      const range = options.range ? resolveRange(options.range, version.size) : undefined
      try {
        const handle = await fsp.open(this.#layout.blobFile(bucket, version.blob ?? ''), 'r')
        const body = handle.createReadStream({ highWaterMark: READ_CHUNK, ...(range ? { start: range.start, end: range.end } : {}) })
        return { meta: toMetadata(key, version), body, ...(range ? { range } : {}) }
      } catch (error) {
        // The version was replaced (and its content removed) between lookup and open: look again.
        if (!isNotFound(error)) throw error
        if (state.deleted) throw noSuchBucket(bucket)
        if (attempt >= 5) throw noSuchKey(key)
      }
    }
  }

  async headObject(bucket: string, key: string, options: { versionId?: string } = {}): Promise<ObjectMetadata> {
    checkVersionId(options.versionId)
    const state = await this.#state(bucket)
    return toMetadata(key, readableVersion(state.get(key), key, options.versionId))
  }

  async deleteObject(bucket: string, key: string, options: { versionId?: string } = {}): Promise<DeleteResult> {
    checkVersionId(options.versionId)
    const state = await this.#state(bucket)
    const now = this.#clock.now().toISOString()
    const { versionId } = options
    const change = await this.#commit(state, key, (record, versioning) =>
      versionId !== undefined ? deleteVersion(record, versionId) : deleteLatest(record, key, versioning, newVersionId(), now),
    )
    return change.result
  }

  async copyObject(
    source: { bucket: string; key: string; versionId?: string },
    target: { bucket: string; key: string },
    options?: { contentType?: string; userMetadata?: Record<string, string> },
  ): Promise<PutResult & { lastModified: Date }> {
    checkKey(target.key)
    if (!options && source.versionId === undefined && source.bucket === target.bucket && source.key === target.key) throw copyToItself()
    const targetState = await this.#state(target.bucket)
    const { meta, body } = await this.getObject(source.bucket, source.key, source.versionId !== undefined ? { versionId: source.versionId } : {})
    const temp = await streamToTemp(this.#layout.tmpDir, body)
    const contentType = options ? options.contentType : meta.contentType
    return this.#store(targetState, target.key, temp, {
      etag: `"${temp.md5.toString('hex')}"`,
      ...(contentType !== undefined ? { contentType } : {}),
      userMetadata: { ...(options ? options.userMetadata : meta.userMetadata) },
    })
  }

  async listObjects(
    bucket: string,
    options: { prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string; startAfter?: string },
  ): Promise<ListResult> {
    const state = await this.#state(bucket)
    const after = options.continuationToken !== undefined ? decodeToken(options.continuationToken) : options.startAfter || undefined
    const page = listKeys(
      state.keys,
      {
        prefix: options.prefix ?? '',
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
        maxKeys: Math.min(options.maxKeys ?? MAX_LIST_KEYS, MAX_LIST_KEYS),
        ...(after !== undefined ? { after } : {}),
      },
      (key) => isVisible(state.get(key)),
    )
    return {
      objects: page.keys.map((key) => toMetadata(key, readableVersion(state.get(key), key))),
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      ...(page.isTruncated && page.nextMarker !== undefined ? { nextContinuationToken: encodeToken(page.nextMarker) } : {}),
    }
  }

  async listObjectVersions(
    bucket: string,
    options: { prefix?: string; delimiter?: string; maxKeys?: number; keyMarker?: string; versionIdMarker?: string },
  ): Promise<VersionListResult> {
    const state = await this.#state(bucket)
    const page = listVersions(state.keys, (key) => state.get(key), {
      prefix: options.prefix ?? '',
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      maxKeys: Math.min(options.maxKeys ?? MAX_LIST_KEYS, MAX_LIST_KEYS),
      ...(options.keyMarker ? { keyMarker: options.keyMarker } : {}),
      ...(options.keyMarker && options.versionIdMarker ? { versionIdMarker: options.versionIdMarker } : {}),
    })
    return {
      versions: page.entries.map((e) => ({ ...toMetadata(e.key, e.version), isLatest: e.isLatest, deleteMarker: e.version.deleteMarker })),
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      ...(page.nextKeyMarker !== undefined ? { nextKeyMarker: page.nextKeyMarker } : {}),
      ...(page.nextVersionIdMarker !== undefined ? { nextVersionIdMarker: page.nextVersionIdMarker } : {}),
    }
  }

  // ---- multipart ----

  async createMultipartUpload(bucket: string, key: string, options: { contentType?: string; userMetadata?: Record<string, string> } = {}): Promise<string> {
    checkKey(key)
    return this.#multipart.create(bucket, key, options)
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable): Promise<{ etag: string }> {
    return this.#multipart.uploadPart(bucket, key, uploadId, partNumber, body)
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<PutResult> {
    const { etag, versionId } = await this.#multipart.complete(bucket, key, uploadId, parts)
    return { etag, versionId }
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

  #state(bucket: string): Promise<BucketState> {
    return this.#catalog.get(bucket)
  }

  /**
   * Applies a change to one key under the bucket's lock: optionally moves new content into place, then
   * writes (or removes) the key's record file, updates memory, and removes content no version needs.
   */
  async #commit<R extends RecordChange>(
    state: BucketState,
    key: string,
    change: (record: KeyRecord | undefined, versioning: Versioning) => R,
    content?: { temp: TempFile; blob: string },
  ): Promise<R> {
    return this.#locks.run(bucketLock(state.name), async () => {
      if (state.deleted) throw noSuchBucket(state.name)
      const blobFile = content ? this.#layout.blobFile(state.name, content.blob) : undefined
      try {
        if (content && blobFile) await moveIntoPlace(content.temp.file, blobFile)
        const result = change(state.get(key), state.versioning)
        const recordFile = this.#layout.recordFile(state.name, key)
        if (result.record) await writeJsonAtomic(this.#layout.tmpDir, recordFile, result.record)
        else await removeFile(recordFile)
        state.set(key, result.record)
        for (const dropped of result.dropped) {
          if (dropped.blob) await fsp.rm(this.#layout.blobFile(state.name, dropped.blob), { force: true })
        }
        return result
      } catch (error) {
        if (blobFile && state.get(key)?.versions.every((v) => v.blob !== content?.blob) !== false) await fsp.rm(blobFile, { force: true })
        throw error
      }
    })
  }

  /** Records flushed content in `temp` as the key's newest version. */
  async #store(state: BucketState, key: string, temp: TempFile, content: NewContent): Promise<PutResult & { lastModified: Date }> {
    const blob = newBlobId()
    const lastModified = this.#clock.now()
    let stored: StoredVersion | undefined
    try {
      await this.#commit(
        state,
        key,
        (record, versioning) => {
          stored = {
            versionId: versioning === 'Enabled' ? newVersionId() : null,
            deleteMarker: false,
            lastModified: lastModified.toISOString(),
            etag: content.etag,
            size: temp.size,
            ...(content.contentType !== undefined ? { contentType: content.contentType } : {}),
            userMetadata: content.userMetadata,
            blob,
          }
          return addVersion(record, key, stored, versioning)
        },
        { temp, blob },
      )
    } finally {
      await fsp.rm(temp.file, { force: true })
    }
    const version = stored as StoredVersion
    return { etag: version.etag, versionId: version.versionId, lastModified }
  }
}

/** Clamps an inclusive range to the object; a start at or past the end is S3's InvalidRange. */
function resolveRange(range: { start: number; end?: number }, size: number): { start: number; end: number } {
  const end = Math.min(range.end ?? size - 1, size - 1)
  if (!Number.isInteger(range.start) || range.start < 0 || range.start >= size || end < range.start) throw invalidRange(size)
  return { start: range.start, end }
}
