/**
 * DownloadBundle's transfer: the revision's S3 object streamed to `bundle.tar`, its ETag checked
 * against the one the deployment recorded.
 */
import fs from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { getObject, ServiceError } from './api-client.ts'
import type { Endpoint } from './api-client.ts'
import type { S3Revision } from './deployment-spec.ts'

const unquote = (etag: string) => etag.replace(/"/g, '')

async function s3Error(res: Response): Promise<ServiceError> {
  const text = await res.text().catch(() => '')
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${res.status}`
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? res.statusText
  return new ServiceError(code, message, res.status)
}

export async function downloadBundle(endpoint: Endpoint, revision: S3Revision, dest: string, signal?: AbortSignal): Promise<void> {
  const res = await getObject(endpoint, revision.bucket, revision.key, revision.version, signal)
  if (!res.ok || !res.body) {
    const err = await s3Error(res)
    throw new Error(`Could not download the revision s3://${revision.bucket}/${revision.key}${revision.version ? ` (version ${revision.version})` : ''}: ${err.message}`)
  }
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), fs.createWriteStream(dest), signal ? { signal } : {})
  const got = res.headers.get('etag')
  if (revision.etag && got && unquote(revision.etag) !== unquote(got)) {
    throw new Error(`Expected deployment artifact bundle etag ${revision.etag} but was actually ${got}`)
  }
}
