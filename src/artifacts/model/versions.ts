/**
 * The versions of one key and how puts and deletes change them, as S3 versioning specifies. Pure:
 * ids and times are passed in. A record lists versions newest first; `versionId: null` is S3's "null"
 * version (written while versioning was never enabled, or suspended) — at most one per key.
 */
import { deleteMarkerVersion, noSuchKey, noSuchVersion } from './errors.ts'

export type Versioning = 'Enabled' | 'Suspended' | undefined

export type StoredVersion = {
  versionId: string | null
  deleteMarker: boolean
  /** ISO-8601 timestamp with milliseconds. */
  lastModified: string
  /** Quoted ETag; empty for delete markers. */
  etag: string
  size: number
  contentType?: string
  userMetadata: Record<string, string>
  /** Id of the content file; absent for delete markers. */
  blob?: string
}

export type KeyRecord = { key: string; versions: StoredVersion[] }

/** A change to one key: the new record (undefined when no version is left) and versions whose content can go. */
export type RecordChange = { record: KeyRecord | undefined; dropped: StoredVersion[] }

/** The text S3 shows for a version id: the id, or `null` for the null version. */
export const versionIdText = (version: StoredVersion): string => version.versionId ?? 'null'

function withoutNull(versions: readonly StoredVersion[]): { kept: StoredVersion[]; dropped: StoredVersion[] } {
  return { kept: versions.filter((v) => v.versionId !== null), dropped: versions.filter((v) => v.versionId === null) }
}

/**
 * Adds a newly written version as the latest. With versioning `Enabled` it needs an id and keeps every
 * earlier version; otherwise it must be the null version and replaces the existing null version.
 */
export function addVersion(record: KeyRecord | undefined, key: string, version: StoredVersion, versioning: Versioning): RecordChange {
  const versions = record?.versions ?? []
  if (versioning === 'Enabled') {
    if (version.versionId === null) throw new TypeError('a versioned bucket needs a version id')
    return { record: { key, versions: [version, ...versions] }, dropped: [] }
  }
  if (version.versionId !== null) throw new TypeError('an unversioned write creates the null version')
  const { kept, dropped } = withoutNull(versions)
  return { record: { key, versions: [version, ...kept] }, dropped }
}

export type DeleteResult = { versionId?: string; deleteMarker?: boolean }

/**
 * DeleteObject without a version id. Never versioned: the object goes. Enabled: a delete marker with
 * `markerId` becomes the latest version (also when the key has no versions at all). Suspended: the null
 * version goes and a null delete marker becomes the latest.
 */
export function deleteLatest(
  record: KeyRecord | undefined,
  key: string,
  versioning: Versioning,
  markerId: string,
  lastModified: string,
): RecordChange & { result: DeleteResult } {
  const versions = record?.versions ?? []
  if (versioning === undefined) return { record: undefined, dropped: [...versions], result: {} }
  const marker = (versionId: string | null): StoredVersion => ({ versionId, deleteMarker: true, lastModified, etag: '', size: 0, userMetadata: {} })
  if (versioning === 'Enabled') {
    return { record: { key, versions: [marker(markerId), ...versions] }, dropped: [], result: { versionId: markerId, deleteMarker: true } }
  }
  const { kept, dropped } = withoutNull(versions)
  return { record: { key, versions: [marker(null), ...kept] }, dropped, result: { versionId: 'null', deleteMarker: true } }
}

/** DeleteObject with a version id: that version is removed for good (a missing one is not an error). */
export function deleteVersion(record: KeyRecord | undefined, versionId: string): RecordChange & { result: DeleteResult } {
  const versions = record?.versions ?? []
  const target = versionId === 'null' ? null : versionId
  const removed = versions.find((v) => v.versionId === target)
  const kept = versions.filter((v) => v !== removed)
  const result: DeleteResult = { versionId, ...(removed?.deleteMarker ? { deleteMarker: true } : {}) }
  return { record: kept.length > 0 && record ? { key: record.key, versions: kept } : undefined, dropped: removed ? [removed] : [], result }
}

/**
 * The version a GET/HEAD reads: the latest unless `versionId` names one. Throws NoSuchKey for a missing
 * key or a latest delete marker, NoSuchVersion for an unknown id and MethodNotAllowed for a marker's id.
 */
export function readableVersion(record: KeyRecord | undefined, key: string, versionId?: string): StoredVersion {
  if (versionId === undefined) {
    const latest = record?.versions[0]
    if (!latest) throw noSuchKey(key)
    if (latest.deleteMarker) {
      throw noSuchKey(key, { 'x-amz-delete-marker': 'true', ...(latest.versionId !== null ? { 'x-amz-version-id': latest.versionId } : {}) })
    }
    return latest
  }
  const target = versionId === 'null' ? null : versionId
  const found = record?.versions.find((v) => v.versionId === target)
  if (!found) throw noSuchVersion(key, versionId)
  if (found.deleteMarker) throw deleteMarkerVersion(versionId)
  return found
}

/** True when the key has a current (non-deleted) object. */
export const isVisible = (record: KeyRecord | undefined): boolean => record?.versions[0]?.deleteMarker === false
