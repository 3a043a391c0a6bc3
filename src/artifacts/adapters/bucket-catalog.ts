/**
 * The folder object store's buckets: which exist (a folder with `bucket.json`), their in-memory state
 * (loaded once, on first use, with crash leftovers collected), creation, deletion and settings.
 * Bucket-level changes run under the same per-bucket lock as key changes.
 */
import { randomUUID } from 'node:crypto'
import fsp from 'node:fs/promises'
import type { Clock } from '../../infra/clock.ts'
import type { KeyedMutex } from '../../shared/keyed-mutex.ts'
import { bucketAlreadyOwnedByYou, bucketNotEmpty, invalidBucketName, noSuchBucket } from '../model/errors.ts'
import { bucketNameProblem } from '../model/names.ts'
import { moveIntoPlace, writeJsonAtomic } from './atomic-files.ts'
import { BucketState, listDir, type BucketFile } from './bucket-state.ts'
import type { FolderLayout } from './folder-layout.ts'

export const bucketLock = (bucket: string) => `b:${bucket}`

export class BucketCatalog {
  readonly #layout: FolderLayout
  readonly #locks: KeyedMutex
  readonly #clock: Clock
  /** Content files older than this and referenced by no record are crash leftovers. */
  readonly #openedAt: number
  readonly #buckets = new Map<string, Promise<BucketState | undefined>>()

  constructor(layout: FolderLayout, locks: KeyedMutex, clock: Clock, openedAt: number) {
    this.#layout = layout
    this.#locks = locks
    this.#clock = clock
    this.#openedAt = openedAt
  }

  /** The bucket's state, loading it on first use; `undefined` when there is no such bucket. */
  async find(bucket: string): Promise<BucketState | undefined> {
    if (bucketNameProblem(bucket)) return undefined
    let loading = this.#buckets.get(bucket)
    if (!loading) {
      loading = BucketState.load(this.#layout, bucket).then(async (state) => {
        await state?.collectGarbage(this.#layout, this.#openedAt).catch(() => 0)
        return state
      })
      this.#buckets.set(bucket, loading)
    }
    const state = await loading
    if (!state && this.#buckets.get(bucket) === loading) this.#buckets.delete(bucket)
    return state
  }

  /** Like `find`, but NoSuchBucket when it does not exist. */
  async get(bucket: string): Promise<BucketState> {
    const state = await this.find(bucket)
    if (!state) throw noSuchBucket(bucket)
    return state
  }

  async create(bucket: string): Promise<void> {
    if (bucketNameProblem(bucket)) throw invalidBucketName(bucket)
    await this.#locks.run(bucketLock(bucket), async () => {
      if (await this.find(bucket)) throw bucketAlreadyOwnedByYou(bucket)
      const file: BucketFile = { name: bucket, creationDate: this.#clock.now().toISOString() }
      const staging = `${this.#layout.tmpDir}/${randomUUID()}.bucket`
      await fsp.mkdir(staging, { mode: 0o700 })
      try {
        await writeJsonAtomic(this.#layout.tmpDir, `${staging}/bucket.json`, file)
        await moveIntoPlace(staging, this.#layout.bucketDir(bucket))
      } catch (error) {
        await fsp.rm(staging, { recursive: true, force: true })
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EEXIST' || code === 'ENOTEMPTY') throw bucketAlreadyOwnedByYou(bucket)
        throw error
      }
      this.#buckets.set(bucket, Promise.resolve(new BucketState(file)))
    })
  }

  /** Deletes an empty bucket (no versions or delete markers); unfinished multipart uploads go with it. */
  async delete(bucket: string): Promise<void> {
    const state = await this.get(bucket)
    const trash = `${this.#layout.trashDir}/${randomUUID()}`
    await this.#locks.run(bucketLock(bucket), async () => {
      if (state.deleted) throw noSuchBucket(bucket)
      if (state.keys.length > 0) throw bucketNotEmpty(bucket)
      await moveIntoPlace(this.#layout.bucketDir(bucket), trash)
      state.deleted = true
      this.#buckets.delete(bucket)
    })
    await fsp.rm(trash, { recursive: true, force: true })
  }

  async list(): Promise<BucketState[]> {
    const names = (await listDir(this.#layout.root)).filter((name) => !bucketNameProblem(name)).sort()
    const found = await Promise.all(names.map((name) => this.find(name)))
    return found.filter((s): s is BucketState => s !== undefined)
  }

  async setVersioning(bucket: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    const state = await this.get(bucket)
    await this.#locks.run(bucketLock(bucket), async () => {
      if (state.deleted) throw noSuchBucket(bucket)
      const file: BucketFile = { ...state.toFile(), versioning: status }
      await writeJsonAtomic(this.#layout.tmpDir, this.#layout.bucketFile(bucket), file)
      state.versioning = status
    })
  }
}
