/**
 * One bucket's state held in memory by the folder object store: its settings and every key's record,
 * with the keys kept sorted in UTF-8 binary order for listing. Loaded once from the record files;
 * afterwards the store changes it only after the matching file change is on disk.
 */
import fsp from 'node:fs/promises'
import path from 'node:path'
import { compareKeys, lowerBound } from '../model/names.ts'
import type { KeyRecord, Versioning } from '../model/versions.ts'
import { BLOB_ID, type FolderLayout } from './folder-layout.ts'
import { isNotFound, readJson } from './atomic-files.ts'

export type BucketFile = { name: string; creationDate: string; versioning?: 'Enabled' | 'Suspended' }

export class BucketState {
  readonly name: string
  readonly creationDate: Date
  versioning: Versioning
  /** Set when the bucket was deleted: operations that still hold this state must fail. */
  deleted = false
  readonly #records = new Map<string, KeyRecord>()
  #keys: string[] = []

  constructor(file: BucketFile) {
    this.name = file.name
    this.creationDate = new Date(file.creationDate)
    this.versioning = file.versioning
  }

  toFile(): BucketFile {
    return { name: this.name, creationDate: this.creationDate.toISOString(), ...(this.versioning ? { versioning: this.versioning } : {}) }
  }

  get(key: string): KeyRecord | undefined {
    return this.#records.get(key)
  }

  /** Sorted keys that have at least one version (including delete markers). */
  get keys(): readonly string[] {
    return this.#keys
  }

  set(key: string, record: KeyRecord | undefined): void {
    const had = this.#records.has(key)
    if (record && record.versions.length > 0) {
      this.#records.set(key, record)
      if (!had) this.#keys.splice(lowerBound(this.#keys, key), 0, key)
    } else if (had) {
      this.#records.delete(key)
      const at = lowerBound(this.#keys, key)
      if (this.#keys[at] === key) this.#keys.splice(at, 1)
    }
  }

  /** Blob ids referenced by any version. */
  referencedBlobs(): Set<string> {
    const ids = new Set<string>()
    for (const record of this.#records.values()) for (const v of record.versions) if (v.blob) ids.add(v.blob)
    return ids
  }

  /** Reads a bucket's settings and all its key records; `undefined` if the bucket does not exist. */
  static async load(layout: FolderLayout, bucket: string): Promise<BucketState | undefined> {
    const file = await readJson<BucketFile>(layout.bucketFile(bucket))
    if (!file) return undefined
    const state = new BucketState(file)
    const records: KeyRecord[] = []
    for (const dir of await listDir(layout.keysDir(bucket))) {
      const names = (await listDir(path.join(layout.keysDir(bucket), dir))).filter((n) => n.endsWith('.json'))
      for (let i = 0; i < names.length; i += 64) {
        const batch = names.slice(i, i + 64).map((n) => readJson<KeyRecord>(path.join(layout.keysDir(bucket), dir, n)))
        for (const record of await Promise.all(batch)) if (record && record.versions.length > 0) records.push(record)
      }
    }
    records.sort((a, b) => compareKeys(a.key, b.key))
    for (const record of records) state.#records.set(record.key, record)
    state.#keys = records.map((r) => r.key)
    return state
  }

  /**
   * Removes content files no record references that were written before `before` (left by a crash
   * between writing content and its record). Files written since belong to writes in flight.
   */
  async collectGarbage(layout: FolderLayout, before: number): Promise<number> {
    const referenced = this.referencedBlobs()
    let removed = 0
    for (const dir of await listDir(layout.blobsDir(this.name))) {
      for (const id of await listDir(path.join(layout.blobsDir(this.name), dir))) {
        if (!BLOB_ID.test(id) || referenced.has(id)) continue
        const file = layout.blobFile(this.name, id)
        const stat = await fsp.stat(file).catch(() => undefined)
        if (stat && stat.mtimeMs < before && !this.referencedBlobs().has(id)) {
          await fsp.rm(file, { force: true })
          removed++
        }
      }
    }
    return removed
  }
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir)
  } catch (error) {
    if (isNotFound(error)) return []
    throw error
  }
}
