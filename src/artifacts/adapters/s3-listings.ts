/**
 * The S3 adapter's listings: SDK list outputs to the port's pages. Listings are requested with
 * `encoding-type=url` (so keys that XML 1.0 cannot carry survive) and decoded only when the service
 * says it encoded them. S3 listings carry less than the folder store's: no content type, user metadata
 * or (in ListObjectsV2) version id.
 */
import type {
  ListMultipartUploadsCommandOutput,
  ListObjectsV2CommandOutput,
  ListObjectVersionsCommandOutput,
  ListPartsCommandOutput,
} from '@aws-sdk/client-s3'
import { compareKeys } from '../model/names.ts'
import type { PartPage, UploadPage } from '../model/upload-listing.ts'
import type { ListResult, ObjectVersionSummary, VersionListResult } from '../ports.ts'

type Decode = (text: string) => string

/** S3 encodes a space as `+` and everything else as `%XX`. */
export function listingDecoder(encodingType: string | undefined): Decode {
  return encodingType === 'url' ? (text) => decodeURIComponent(text.replaceAll('+', ' ')) : (text) => text
}

/** The version id the port shows: `null` for S3's "null" version (and for none at all). */
export const portVersionId = (versionId: string | undefined): string | null => (versionId === undefined || versionId === 'null' ? null : versionId)

const prefixesOf = (list: { Prefix?: string | undefined }[] | undefined, decode: Decode) =>
  (list ?? []).flatMap((p) => (p.Prefix !== undefined ? [decode(p.Prefix)] : []))

export function toListResult(out: ListObjectsV2CommandOutput): ListResult {
  const decode = listingDecoder(out.EncodingType)
  const isTruncated = out.IsTruncated === true
  return {
    objects: (out.Contents ?? []).map((o) => ({
      key: decode(o.Key ?? ''),
      size: o.Size ?? 0,
      etag: o.ETag ?? '',
      lastModified: o.LastModified ?? new Date(0),
      versionId: null,
      userMetadata: {},
    })),
    commonPrefixes: prefixesOf(out.CommonPrefixes, decode),
    isTruncated,
    ...(isTruncated && out.NextContinuationToken !== undefined ? { nextContinuationToken: out.NextContinuationToken } : {}),
  }
}

/**
 * The SDK hands versions and delete markers over as two lists, losing how S3 interleaved them; they are
 * put back in S3's order: by key in UTF-8 binary order, the latest first, then newest first (a stable
 * sort, so versions with equal times keep the service's order).
 */
export function toVersionListResult(out: ListObjectVersionsCommandOutput): VersionListResult {
  const decode = listingDecoder(out.EncodingType)
  const entry = (v: { Key?: string; VersionId?: string; IsLatest?: boolean; LastModified?: Date }, deleteMarker: boolean, etag: string, size: number): ObjectVersionSummary => ({
    key: decode(v.Key ?? ''),
    size,
    etag,
    lastModified: v.LastModified ?? new Date(0),
    versionId: portVersionId(v.VersionId),
    userMetadata: {},
    isLatest: v.IsLatest === true,
    deleteMarker,
  })
  const versions = [
    ...(out.Versions ?? []).map((v) => entry(v, false, v.ETag ?? '', v.Size ?? 0)),
    ...(out.DeleteMarkers ?? []).map((m) => entry(m, true, '', 0)),
  ].sort((a, b) => compareKeys(a.key, b.key) || Number(b.isLatest) - Number(a.isLatest) || b.lastModified.getTime() - a.lastModified.getTime())
  const isTruncated = out.IsTruncated === true
  return {
    versions,
    commonPrefixes: prefixesOf(out.CommonPrefixes, decode),
    isTruncated,
    ...(isTruncated && out.NextKeyMarker !== undefined ? { nextKeyMarker: decode(out.NextKeyMarker) } : {}),
    ...(isTruncated && out.NextVersionIdMarker !== undefined ? { nextVersionIdMarker: out.NextVersionIdMarker } : {}),
  }
}

export function toUploadPage(out: ListMultipartUploadsCommandOutput): UploadPage {
  const decode = listingDecoder(out.EncodingType)
  const isTruncated = out.IsTruncated === true
  return {
    uploads: (out.Uploads ?? []).map((u) => ({ key: decode(u.Key ?? ''), uploadId: u.UploadId ?? '', initiated: (u.Initiated ?? new Date(0)).toISOString() })),
    commonPrefixes: prefixesOf(out.CommonPrefixes, decode),
    isTruncated,
    ...(isTruncated && out.NextKeyMarker !== undefined ? { nextKeyMarker: decode(out.NextKeyMarker) } : {}),
    ...(isTruncated && out.NextUploadIdMarker ? { nextUploadIdMarker: out.NextUploadIdMarker } : {}),
  }
}

export function toPartPage(out: ListPartsCommandOutput, now: Date): PartPage {
  const parts = (out.Parts ?? []).map((p) => ({
    partNumber: p.PartNumber ?? 0,
    etag: p.ETag ?? '',
    size: p.Size ?? 0,
    lastModified: (p.LastModified ?? now).toISOString(),
  }))
  const isTruncated = out.IsTruncated === true
  const next = out.NextPartNumberMarker !== undefined ? Number(out.NextPartNumberMarker) : parts.at(-1)?.partNumber
  return { parts, isTruncated, ...(isTruncated && next !== undefined && parts.length > 0 ? { nextPartNumberMarker: next } : {}) }
}
