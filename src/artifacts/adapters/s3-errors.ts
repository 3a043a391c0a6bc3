/**
 * Turns what `@aws-sdk/client-s3` throws into the `S3Error`s the folder store throws, so callers (and
 * the S3 transport) cannot tell the adapters apart. The codes the port names are rebuilt with the
 * model's constructors (the folder store's messages, details and statuses, Slipway bucket names);
 * any other service error keeps the service's code, message, details and status. Errors that are not
 * service responses (network, a failing body stream, our own validation) pass through untouched.
 */
import {
  S3Error,
  bucketAlreadyOwnedByYou,
  bucketNotEmpty,
  invalidPartOrder,
  noSuchBucket,
  noSuchKey,
  noSuchUpload,
  noSuchVersion,
} from '../model/errors.ts'

/** What the adapter was doing, to fill in what a bodiless (HEAD) or terse error response leaves out. */
export type ErrorScope = { bucket?: string; key?: string; versionId?: string; uploadId?: string }

/** The parts of an SDK service exception the mapping reads. */
type ServiceException = Error & {
  $metadata: { httpStatusCode?: number }
  $response?: { headers?: Record<string, string | undefined> }
  [field: string]: unknown
}

const NOT_DETAILS = new Set(['Code', 'Message', 'RequestId', 'HostId'])
const ERROR_HEADERS = ['x-amz-delete-marker', 'x-amz-version-id']

export function isServiceException(error: unknown): error is ServiceException {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object'
}

/** HTTP status of a service exception (0 when `error` is not one). */
export function statusOf(error: unknown): number {
  return isServiceException(error) ? (error.$metadata.httpStatusCode ?? 0) : 0
}

export class S3ErrorMapper {
  readonly #prefix: string

  constructor(bucketPrefix: string) {
    this.#prefix = bucketPrefix
  }

  /** The Slipway name of an external bucket name (the prefix stripped). */
  slipwayName(external: string): string {
    return external.startsWith(this.#prefix) ? external.slice(this.#prefix.length) : external
  }

  /** Runs one request; a service error it fails with becomes the folder store's error. */
  async guard<T>(scope: ErrorScope, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw this.map(error, scope)
    }
  }

  /** The `S3Error` for `error`, or `error` itself when it is not a service response. */
  map(error: unknown, scope: ErrorScope): unknown {
    if (!isServiceException(error)) return error
    const status = error.$metadata.httpStatusCode ?? 500
    const details = this.#details(error)
    const headers = responseHeaders(error)
    const bucket = details.BucketName ?? scope.bucket ?? ''
    const key = details.Key ?? scope.key ?? ''
    switch (error.name) {
      case 'NoSuchBucket':
        return noSuchBucket(bucket)
      case 'NoSuchKey':
        return noSuchKey(key, headers)
      case 'NoSuchVersion':
        return noSuchVersion(key, details.VersionId ?? scope.versionId ?? '')
      case 'NoSuchUpload':
        return noSuchUpload(details.UploadId ?? scope.uploadId ?? '')
      case 'BucketNotEmpty':
        return bucketNotEmpty(bucket)
      case 'BucketAlreadyOwnedByYou':
        return bucketAlreadyOwnedByYou(bucket)
      case 'InvalidPartOrder':
        return invalidPartOrder()
      default:
        return new S3Error(error.name, error.message, status, details, headers)
    }
  }

  /** The extra elements of the service's `<Error>` document, which the SDK copies onto the exception. */
  #details(error: ServiceException): Record<string, string> {
    const details: Record<string, string> = {}
    for (const [name, value] of Object.entries(error)) {
      if (/^[A-Z]/.test(name) && !NOT_DETAILS.has(name) && (typeof value === 'string' || typeof value === 'number')) details[name] = String(value)
    }
    if (details.BucketName !== undefined) details.BucketName = this.slipwayName(details.BucketName)
    return details
  }
}

/** The error response's headers that the folder store's errors carry too (delete marker, version id). */
export function responseHeaders(error: unknown): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of ERROR_HEADERS) {
    const value = isServiceException(error) ? error.$response?.headers?.[name] : undefined
    if (value !== undefined) headers[name] = value
  }
  return headers
}
