/**
 * S3's `AbortIncompleteMultipartUpload` lifecycle rule for every bucket: a multipart upload started
 * longer ago than the configured age (its client gave up, or its server died mid-upload) is aborted
 * and its parts' bytes freed. Runs on every server as a periodic chore; aborting twice is harmless.
 */
import type { ObjectStore } from './ports.ts'

export type ExpiredUploads = { uploads: number; bytes: number }

export async function expireIncompleteUploads(objects: ObjectStore, now: Date, maxAgeMs: number): Promise<ExpiredUploads> {
  const cutoff = now.getTime() - maxAgeMs
  const expired: ExpiredUploads = { uploads: 0, bytes: 0 }
  for (const { name: bucket } of await objects.listBuckets()) {
    let keyMarker: string | undefined
    let uploadIdMarker: string | undefined
    for (;;) {
      const page = await objects.listMultipartUploads(bucket, { prefix: '', maxUploads: 1000, ...(keyMarker !== undefined ? { keyMarker } : {}), ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}) })
      for (const u of page.uploads) {
        if (Date.parse(u.initiated) >= cutoff) continue
        let partNumberMarker = 0
        for (;;) {
          const parts = await objects.listParts(bucket, u.key, u.uploadId, { partNumberMarker, maxParts: 1000 }).catch(() => undefined)
          if (!parts) break
          expired.bytes += parts.parts.reduce((sum, p) => sum + p.size, 0)
          if (!parts.isTruncated || parts.nextPartNumberMarker === undefined) break
          partNumberMarker = parts.nextPartNumberMarker
        }
        await objects.abortMultipartUpload(bucket, u.key, u.uploadId).catch(() => undefined)
        expired.uploads++
      }
      if (!page.isTruncated) break
      keyMarker = page.nextKeyMarker
      uploadIdMarker = page.nextUploadIdMarker
    }
  }
  return expired
}
