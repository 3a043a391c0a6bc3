import type { Readable } from 'node:stream'
import type { Clock } from '../infra/clock.ts'
import type { EventOutbox } from '../events/outbox.ts'
import type { ObjectStore, PutResult } from './ports.ts'

/** The outbox event of an object that became visible (S3's `Object Created`); S3 source triggers follow it. */
export const OBJECT_CREATED = 's3.ObjectCreated'

export type ObjectCreatedDetail = { bucket: string; key: string; versionId: string | null; etag: string }

export type ObjectEventsDeps = {
  outbox: EventOutbox
  clock: Clock
  /** Publishes after the event is written (the bus's `flush`). */
  flush: () => Promise<void>
}

/**
 * An `ObjectStore` that writes an `s3.ObjectCreated` event to the outbox after every put, completed
 * multipart upload and copy has become visible — whatever wrote it (the S3 API, a build's artifacts,
 * a pipeline) and whichever server, so every server's triggers see it. The object store is not the
 * database: a crash between the write and the event loses the event (never the object).
 */
export function withObjectEvents(inner: ObjectStore, deps: ObjectEventsDeps): ObjectStore {
  const created = async <T extends PutResult>(bucket: string, key: string, result: T): Promise<T> => {
    const detail: ObjectCreatedDetail = { bucket, key, versionId: result.versionId, etag: result.etag }
    await deps.outbox.append({ type: OBJECT_CREATED, source: 'aws.s3', resource: `arn:aws:s3:::${bucket}/${key}`, detail, at: deps.clock.now() })
    await deps.flush()
    return result
  }
  return {
    createBucket: (b) => inner.createBucket(b),
    deleteBucket: (b) => inner.deleteBucket(b),
    headBucket: (b) => inner.headBucket(b),
    listBuckets: () => inner.listBuckets(),
    getBucketVersioning: (b) => inner.getBucketVersioning(b),
    putBucketVersioning: (b, s) => inner.putBucketVersioning(b, s),
    putObject: async (b, k, body: Readable, o) => created(b, k, await inner.putObject(b, k, body, o)),
    getObject: (b, k, o) => inner.getObject(b, k, o),
    headObject: (b, k, o) => inner.headObject(b, k, o),
    deleteObject: (b, k, o) => inner.deleteObject(b, k, o),
    copyObject: async (s, t, o) => created(t.bucket, t.key, await inner.copyObject(s, t, o)),
    listObjects: (b, o) => inner.listObjects(b, o),
    listObjectVersions: (b, o) => inner.listObjectVersions(b, o),
    createMultipartUpload: (b, k, o) => inner.createMultipartUpload(b, k, o),
    uploadPart: (b, k, u, n, body) => inner.uploadPart(b, k, u, n, body),
    completeMultipartUpload: async (b, k, u, parts) => created(b, k, await inner.completeMultipartUpload(b, k, u, parts)),
    abortMultipartUpload: (b, k, u) => inner.abortMultipartUpload(b, k, u),
    listMultipartUploads: (b, q) => inner.listMultipartUploads(b, q),
    listParts: (b, k, u, o) => inner.listParts(b, k, u, o),
  }
}
