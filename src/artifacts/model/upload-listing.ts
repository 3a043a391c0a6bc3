/**
 * ListMultipartUploads and ListParts paging. Pure. Uploads are ordered by key (UTF-8 binary), then by
 * when they were initiated; a key marker alone skips that key's uploads, with an upload-id marker it
 * resumes after that upload. A delimiter rolls keys up into common prefixes, which count toward the
 * page size, as S3 does.
 */
import { commonPrefixOf } from './listing.ts'
import { compareKeys } from './names.ts'

export type UploadSummary = { key: string; uploadId: string; initiated: string }
export type UploadQuery = { prefix: string; delimiter?: string; maxUploads: number; keyMarker?: string; uploadIdMarker?: string }
export type UploadPage = { uploads: UploadSummary[]; commonPrefixes: string[]; isTruncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }

const order = (a: UploadSummary, b: UploadSummary) => compareKeys(a.key, b.key) || a.initiated.localeCompare(b.initiated) || a.uploadId.localeCompare(b.uploadId)

export function listUploads(all: readonly UploadSummary[], query: UploadQuery): UploadPage {
  const sorted = all.filter((u) => u.key.startsWith(query.prefix)).sort(order)
  const page: UploadPage = { uploads: [], commonPrefixes: [], isTruncated: false }
  let start = 0
  if (query.keyMarker !== undefined) {
    const marker = query.keyMarker
    const resumeAt = query.uploadIdMarker === undefined ? -1 : sorted.findIndex((u) => u.key === marker && u.uploadId === query.uploadIdMarker)
    start = resumeAt >= 0 ? resumeAt + 1 : sorted.findIndex((u) => compareKeys(u.key, marker) > 0)
    if (start < 0) start = sorted.length
  }
  let count = 0
  let last: UploadSummary | undefined
  let lastPrefix: string | undefined
  for (const upload of sorted.slice(start)) {
    const rolled = commonPrefixOf(upload.key, query.prefix, query.delimiter)
    if (rolled !== undefined && (rolled === lastPrefix || rolled === query.keyMarker)) continue
    if (count === query.maxUploads) {
      page.isTruncated = true
      break
    }
    if (rolled !== undefined) {
      page.commonPrefixes.push(rolled)
      lastPrefix = rolled
      last = { key: rolled, uploadId: '', initiated: '' }
    } else {
      page.uploads.push(upload)
      last = upload
    }
    count++
  }
  if (page.isTruncated && last) {
    page.nextKeyMarker = last.key
    if (last.uploadId !== '') page.nextUploadIdMarker = last.uploadId
  }
  return page
}

export type PartSummary = { partNumber: number; etag: string; size: number; lastModified: string }
export type PartPage = { parts: PartSummary[]; isTruncated: boolean; nextPartNumberMarker?: number }

/** Parts after `partNumberMarker`, in part-number order, at most `maxParts`. */
export function listParts(all: readonly PartSummary[], partNumberMarker: number, maxParts: number): PartPage {
  const after = [...all].filter((p) => p.partNumber > partNumberMarker).sort((a, b) => a.partNumber - b.partNumber)
  const parts = after.slice(0, Math.max(0, maxParts))
  const isTruncated = after.length > parts.length
  return { parts, isTruncated, ...(isTruncated && parts.length > 0 ? { nextPartNumberMarker: parts.at(-1)!.partNumber } : {}) }
}
