/**
 * Multipart uploads for the folder object store. An upload is a folder (`uploads/<uploadId>/`) with
 * `upload.json` (key, content type, metadata) and, per part, a data file named by a random id plus
 * `part-<n>.json` pointing at it (so a re-uploaded part replaces the old one atomically). Completing
 * streams the parts, in order, into one temp file that becomes the object; the ETag is S3's
 * `"<md5 of the parts' binary MD5s>-<count>"`. One upload's operations are serialised in-process.
 */
import { createHash, randomUUID } from 'node:crypto'
import fsp from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { Clock } from '../../infra/clock.ts'
import type { KeyedMutex } from '../../shared/keyed-mutex.ts'
import { entityTooSmall, invalidPart, invalidPartNumber, invalidPartOrder, malformedXml, noSuchBucket, noSuchUpload } from '../model/errors.ts'
import type { PutResult } from '../ports.ts'
import { concatToTemp, isNotFound, moveIntoPlace, readJson, streamToTemp, writeJsonAtomic, type TempFile } from './atomic-files.ts'
import type { BucketState } from './bucket-state.ts'
import { bucketLock } from './bucket-catalog.ts'
import { UPLOAD_ID, type FolderLayout } from './folder-layout.ts'
import { cliSafeId } from './ids.ts'
import { listParts, listUploads, type PartPage, type PartSummary, type UploadPage, type UploadQuery, type UploadSummary } from '../model/upload-listing.ts'

/** What the multipart code needs from the store that owns it. */
export type StoreHost = {
  layout: FolderLayout
  locks: KeyedMutex
  clock: Clock
  minPartSize: number
  state(bucket: string): Promise<BucketState>
  store(state: BucketState, key: string, temp: TempFile, content: { etag: string; contentType?: string; userMetadata: Record<string, string> }): Promise<PutResult & { lastModified: Date }>
}

type UploadFile = { key: string; initiated: string; contentType?: string; userMetadata: Record<string, string> }
type PartFile = { partNumber: number; etag: string; md5: string; size: number; data: string; lastModified: string }

export const MAX_PART_NUMBER = 10_000

const unquote = (etag: string) => etag.trim().replace(/^"(.*)"$/, '$1')

export class MultipartUploads {
  readonly #host: StoreHost

  constructor(host: StoreHost) {
    this.#host = host
  }

  async create(bucket: string, key: string, options: { contentType?: string; userMetadata?: Record<string, string> }): Promise<string> {
    const state = await this.#host.state(bucket)
    const uploadId = cliSafeId(32)
    const file: UploadFile = {
      key,
      initiated: this.#host.clock.now().toISOString(),
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      userMetadata: { ...options.userMetadata },
    }
    await this.#host.locks.run(bucketLock(bucket), async () => {
      if (state.deleted) throw noSuchBucket(bucket)
      await writeJsonAtomic(this.#host.layout.tmpDir, this.#host.layout.uploadFile(bucket, uploadId), file)
    })
    return uploadId
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable): Promise<{ etag: string }> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) throw invalidPartNumber()
    const { layout } = this.#host
    const state = await this.#host.state(bucket)
    await this.#upload(state, key, uploadId)
    const temp = await streamToTemp(layout.tmpDir, body)
    try {
      return await this.#locked(bucket, uploadId, async () => {
        await this.#upload(state, key, uploadId)
        const dataId = randomUUID().replaceAll('-', '')
        await moveIntoPlace(temp.file, layout.partDataFile(bucket, uploadId, dataId))
        const partFile = layout.partFile(bucket, uploadId, partNumber)
        const previous = await readJson<PartFile>(partFile)
        const part: PartFile = {
          partNumber,
          etag: `"${temp.md5.toString('hex')}"`,
          md5: temp.md5.toString('hex'),
          size: temp.size,
          data: dataId,
          lastModified: this.#host.clock.now().toISOString(),
        }
        await writeJsonAtomic(layout.tmpDir, partFile, part)
        if (previous) await fsp.rm(layout.partDataFile(bucket, uploadId, previous.data), { force: true })
        return { etag: part.etag }
      })
    } catch (error) {
      if (isNotFound(error)) throw state.deleted ? noSuchBucket(bucket) : noSuchUpload(uploadId)
      throw error
    } finally {
      await fsp.rm(temp.file, { force: true })
    }
  }

  async complete(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<PutResult & { lastModified: Date }> {
    const { layout } = this.#host
    const state = await this.#host.state(bucket)
    return this.#locked(bucket, uploadId, async () => {
      const upload = await this.#upload(state, key, uploadId)
      if (parts.length === 0) throw malformedXml()
      for (let i = 1; i < parts.length; i++) {
        if ((parts[i] as { partNumber: number }).partNumber <= (parts[i - 1] as { partNumber: number }).partNumber) throw invalidPartOrder()
      }
      const stored: PartFile[] = []
      for (const wanted of parts) {
        const part = Number.isInteger(wanted.partNumber) && wanted.partNumber >= 1 && wanted.partNumber <= MAX_PART_NUMBER
          ? await readJson<PartFile>(layout.partFile(bucket, uploadId, wanted.partNumber))
          : undefined
        if (!part || unquote(part.etag) !== unquote(wanted.etag)) throw invalidPart(wanted.partNumber, wanted.etag)
        stored.push(part)
      }
      stored.forEach((part, i) => {
        if (i < stored.length - 1 && part.size < this.#host.minPartSize) throw entityTooSmall(part.partNumber, part.size, this.#host.minPartSize)
      })
      const md5s = createHash('md5')
      for (const part of stored) md5s.update(Buffer.from(part.md5, 'hex'))
      const temp = await concatToTemp(layout.tmpDir, stored.map((part) => layout.partDataFile(bucket, uploadId, part.data)))
      const result = await this.#host.store(state, key, temp, {
        etag: `"${md5s.digest('hex')}-${stored.length}"`,
        ...(upload.contentType !== undefined ? { contentType: upload.contentType } : {}),
        userMetadata: upload.userMetadata,
      })
      await this.#discard(bucket, uploadId)
      return result
    })
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    const state = await this.#host.state(bucket)
    await this.#locked(bucket, uploadId, async () => {
      await this.#upload(state, key, uploadId)
      await this.#discard(bucket, uploadId)
    })
  }

  /** The bucket's uploads in progress (an upload being completed or aborted right now may or may not show). */
  async list(bucket: string, query: UploadQuery): Promise<UploadPage> {
    const state = await this.#host.state(bucket)
    if (state.deleted) throw noSuchBucket(bucket)
    const ids = await fsp.readdir(this.#host.layout.uploadsDir(bucket)).catch((error: unknown) => (isNotFound(error) ? [] : Promise.reject(error)))
    const uploads: UploadSummary[] = []
    for (const uploadId of ids.filter((id) => UPLOAD_ID.test(id))) {
      const upload = await readJson<UploadFile>(this.#host.layout.uploadFile(bucket, uploadId))
      if (upload) uploads.push({ key: upload.key, uploadId, initiated: upload.initiated })
    }
    return listUploads(uploads, query)
  }

  async parts(bucket: string, key: string, uploadId: string, options: { partNumberMarker: number; maxParts: number }): Promise<PartPage & { initiated: string }> {
    const state = await this.#host.state(bucket)
    return this.#locked(bucket, uploadId, async () => {
      const upload = await this.#upload(state, key, uploadId)
      const dir = this.#host.layout.uploadDir(bucket, uploadId)
      const parts: PartSummary[] = []
      for (const name of (await fsp.readdir(dir)).filter((n) => /^part-\d{1,5}\.json$/.test(n))) {
        const part = await readJson<PartFile>(`${dir}/${name}`)
        if (part) parts.push({ partNumber: part.partNumber, etag: part.etag, size: part.size, lastModified: part.lastModified })
      }
      return { ...listParts(parts, options.partNumberMarker, options.maxParts), initiated: upload.initiated }
    })
  }

  #locked<T>(bucket: string, uploadId: string, fn: () => Promise<T>): Promise<T> {
    return this.#host.locks.run(`u:${bucket}/${uploadId}`, fn)
  }

  /** The upload's settings; NoSuchUpload for an id this store did not issue, a finished upload, or another key's. */
  async #upload(state: BucketState, key: string, uploadId: string): Promise<UploadFile> {
    if (!UPLOAD_ID.test(uploadId)) throw noSuchUpload(uploadId)
    if (state.deleted) throw noSuchBucket(state.name)
    const upload = await readJson<UploadFile>(this.#host.layout.uploadFile(state.name, uploadId))
    if (!upload || upload.key !== key) throw noSuchUpload(uploadId)
    return upload
  }

  /** Moves the upload's folder out of the way (one atomic rename), then deletes it. */
  async #discard(bucket: string, uploadId: string): Promise<void> {
    const trash = `${this.#host.layout.trashDir}/${randomUUID()}`
    await moveIntoPlace(this.#host.layout.uploadDir(bucket, uploadId), trash)
    await fsp.rm(trash, { recursive: true, force: true })
  }
}
