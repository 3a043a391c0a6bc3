/**
 * The S3 operation table: method × bucket- or object-level × sub-resource → handler. Sub-resources
 * Slipway does not implement (ACLs, policies, tagging, …) are `undefined` → NotImplemented, so they are
 * never mistaken for a plain GET/PUT/DELETE of the bucket or object.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { S3Call } from './s3-call.ts'
import type { S3Target } from './s3-target.ts'
import * as buckets from './bucket-operations.ts'
import * as lists from './list-operations.ts'
import * as objects from './object-operations.ts'
import * as multipart from './multipart-operations.ts'
import { deleteObjects } from './delete-objects.ts'

export type Operation = (call: S3Call) => Promise<void>

const UNSUPPORTED = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'logging', 'metadataTable', 'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy',
  'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'restore', 'retention', 'select', 'tagging',
  'torrent', 'website', 'session', 'renameObject',
]

export function chooseOperation(method: string, target: S3Target, headers: IncomingHttpHeaders): Operation | undefined {
  const has = (name: string) => target.query.has(name)
  if (UNSUPPORTED.some(has)) return undefined
  if (target.bucket === '') return method === 'GET' ? buckets.listBuckets : undefined
  return target.key === undefined ? bucketOperation(method, has) : objectOperation(method, has, headers['x-amz-copy-source'] !== undefined)
}

function bucketOperation(method: string, has: (name: string) => boolean): Operation | undefined {
  switch (method) {
    case 'GET':
      if (has('versioning')) return buckets.getBucketVersioning
      if (has('location')) return buckets.getBucketLocation
      if (has('versions')) return lists.listObjectVersions
      if (has('uploads')) return multipart.listMultipartUploads
      if (has('list-type')) return lists.listObjectsV2
      return lists.listObjectsV1
    case 'HEAD':
      return buckets.headBucket
    case 'PUT':
      return has('versioning') ? buckets.putBucketVersioning : buckets.createBucket
    case 'DELETE':
      return buckets.deleteBucket
    case 'POST':
      return has('delete') ? deleteObjects : undefined
    default:
      return undefined
  }
}

function objectOperation(method: string, has: (name: string) => boolean, copying: boolean): Operation | undefined {
  switch (method) {
    case 'GET':
      return has('uploadId') ? multipart.listParts : objects.getObject
    case 'HEAD':
      return objects.headObject
    case 'PUT':
      if (has('uploadId') || has('partNumber')) return copying ? multipart.uploadPartCopy : multipart.uploadPart
      return copying ? objects.copyObject : objects.putObject
    case 'DELETE':
      return has('uploadId') ? multipart.abortMultipartUpload : objects.deleteObject
    case 'POST':
      if (has('uploads')) return multipart.createMultipartUpload
      if (has('uploadId')) return multipart.completeMultipartUpload
      return undefined
    default:
      return undefined
  }
}
