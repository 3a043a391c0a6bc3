/**
 * ListObjects (v1, v2) and ListObjectVersions paging over a bucket's keys in UTF-8 binary order, with
 * prefix, delimiter roll-up into common prefixes, a marker to start after and a page size. Pure.
 */
import { lowerBound } from './names.ts'
import type { KeyRecord, StoredVersion } from './versions.ts'
import { versionIdText } from './versions.ts'

export type KeyQuery = {
  prefix: string
  delimiter?: string
  maxKeys: number
  /** Start after this key or common prefix (a continuation token's marker, StartAfter or Marker). */
  after?: string
}

export type KeyPage = { keys: string[]; commonPrefixes: string[]; isTruncated: boolean; nextMarker?: string }

/** The common prefix `key` rolls up into, or `undefined`. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined
  const at = key.indexOf(delimiter, prefix.length)
  return at < 0 ? undefined : key.slice(0, at + delimiter.length)
}

function startIndex(sorted: readonly string[], prefix: string, after: string | undefined): number {
  const fromPrefix = lowerBound(sorted, prefix, true)
  return after === undefined ? fromPrefix : Math.max(fromPrefix, lowerBound(sorted, after, false))
}

/** One page of keys and common prefixes; `visible` hides keys whose latest version is a delete marker. */
export function listKeys(sorted: readonly string[], query: KeyQuery, visible: (key: string) => boolean): KeyPage {
  const page: KeyPage = { keys: [], commonPrefixes: [], isTruncated: false }
  if (query.maxKeys <= 0) return page
  let count = 0
  let last: string | undefined
  for (let i = startIndex(sorted, query.prefix, query.after); i < sorted.length; i++) {
    const key = sorted[i] as string
    if (!key.startsWith(query.prefix)) break
    if (!visible(key)) continue
    const rolled = commonPrefixOf(key, query.prefix, query.delimiter)
    const item = rolled ?? key
    if (rolled !== undefined && (rolled === last || rolled === query.after)) continue
    if (count === query.maxKeys) {
      page.isTruncated = true
      page.nextMarker = last
      break
    }
    if (rolled !== undefined) page.commonPrefixes.push(rolled)
    else page.keys.push(key)
    last = item
    count++
  }
  return page
}

export type VersionQuery = { prefix: string; delimiter?: string; maxKeys: number; keyMarker?: string; versionIdMarker?: string }

export type VersionEntry = { key: string; version: StoredVersion; isLatest: boolean }

export type VersionPage = {
  entries: VersionEntry[]
  commonPrefixes: string[]
  isTruncated: boolean
  nextKeyMarker?: string
  nextVersionIdMarker?: string
}

/** One page of ListObjectVersions: every version and delete marker, by key, newest first. */
export function listVersions(sorted: readonly string[], recordOf: (key: string) => KeyRecord | undefined, query: VersionQuery): VersionPage {
  const page: VersionPage = { entries: [], commonPrefixes: [], isTruncated: false }
  if (query.maxKeys <= 0) return page
  let count = 0
  let lastKey: string | undefined
  let lastVersion: string | undefined
  const full = () => {
    page.isTruncated = true
    page.nextKeyMarker = lastKey
    if (lastVersion !== undefined) page.nextVersionIdMarker = lastVersion
  }
  let i = lowerBound(sorted, query.prefix, true)
  if (query.keyMarker !== undefined) i = Math.max(i, lowerBound(sorted, query.keyMarker, query.versionIdMarker !== undefined))
  for (; i < sorted.length; i++) {
    const key = sorted[i] as string
    if (!key.startsWith(query.prefix)) break
    const record = recordOf(key)
    if (!record || record.versions.length === 0) continue
    const rolled = commonPrefixOf(key, query.prefix, query.delimiter)
    if (rolled !== undefined) {
      if (rolled === lastKey || rolled === query.keyMarker) continue
      if (count === query.maxKeys) return full(), page
      page.commonPrefixes.push(rolled)
      lastKey = rolled
      lastVersion = undefined
      count++
      continue
    }
    let versions = record.versions
    if (key === query.keyMarker && query.versionIdMarker !== undefined) {
      const at = versions.findIndex((v) => versionIdText(v) === query.versionIdMarker)
      versions = at < 0 ? [] : versions.slice(at + 1)
    }
    for (const version of versions) {
      if (count === query.maxKeys) return full(), page
      page.entries.push({ key, version, isLatest: version === record.versions[0] })
      lastKey = key
      lastVersion = versionIdText(version)
      count++
    }
  }
  return page
}
