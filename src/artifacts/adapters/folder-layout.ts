/**
 * Where the folder object store keeps things under its root (`<dataDir>/buckets`). Keys, version ids
 * and upload ids never become path components: a key's record file is named by the SHA-256 of the key,
 * content files by random ids, and upload ids are checked against the shape this store issues.
 *
 *   <root>/.tmp/                              temp files (same filesystem as everything else), wiped at start
 *   <root>/.trash/                            deleted buckets and aborted uploads on their way out
 *   <root>/<bucket>/bucket.json               { name, creationDate, versioning }
 *   <root>/<bucket>/keys/<h2>/<sha256>.json   one key's record: the key and its versions, newest first
 *   <root>/<bucket>/blobs/<id2>/<id>          immutable content of one version
 *   <root>/<bucket>/uploads/<uploadId>/       upload.json, part-<n>.json, part data files
 */
import { createHash } from 'node:crypto'
import path from 'node:path'

export const UPLOAD_ID = /^[A-Za-z0-9_-]{43}$/
export const BLOB_ID = /^[0-9a-f]{32}$/

export class FolderLayout {
  readonly root: string
  readonly tmpDir: string
  readonly trashDir: string

  constructor(root: string) {
    this.root = root
    this.tmpDir = path.join(root, '.tmp')
    this.trashDir = path.join(root, '.trash')
  }

  /** `bucket` must already be a valid bucket name (which can be neither empty, `.` nor `..`, nor contain `/`). */
  bucketDir(bucket: string): string {
    return path.join(this.root, bucket)
  }

  bucketFile(bucket: string): string {
    return path.join(this.bucketDir(bucket), 'bucket.json')
  }

  keysDir(bucket: string): string {
    return path.join(this.bucketDir(bucket), 'keys')
  }

  recordFile(bucket: string, key: string): string {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex')
    return path.join(this.keysDir(bucket), hash.slice(0, 2), `${hash}.json`)
  }

  blobsDir(bucket: string): string {
    return path.join(this.bucketDir(bucket), 'blobs')
  }

  blobFile(bucket: string, blobId: string): string {
    if (!BLOB_ID.test(blobId)) throw new Error(`not a blob id: ${blobId}`)
    return path.join(this.blobsDir(bucket), blobId.slice(0, 2), blobId)
  }

  uploadsDir(bucket: string): string {
    return path.join(this.bucketDir(bucket), 'uploads')
  }

  /** `uploadId` must match `UPLOAD_ID` (callers check, answering NoSuchUpload otherwise). */
  uploadDir(bucket: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new Error('not an upload id')
    return path.join(this.uploadsDir(bucket), uploadId)
  }

  uploadFile(bucket: string, uploadId: string): string {
    return path.join(this.uploadDir(bucket, uploadId), 'upload.json')
  }

  partFile(bucket: string, uploadId: string, partNumber: number): string {
    return path.join(this.uploadDir(bucket, uploadId), `part-${partNumber}.json`)
  }

  partDataFile(bucket: string, uploadId: string, dataId: string): string {
    if (!BLOB_ID.test(dataId)) throw new Error(`not a part data id: ${dataId}`)
    return path.join(this.uploadDir(bucket, uploadId), `${dataId}.part`)
  }
}
