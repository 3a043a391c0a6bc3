import { AwsError } from '../../shared/errors.ts'
import { DISK_FULL_MESSAGE, isDiskFull } from '../../shared/disk-full.ts'

/** An error of the OCI distribution API: its code, HTTP status and message. */
export class DistributionError extends Error {
  readonly code: string
  readonly status: number
  readonly detail: unknown
  constructor(code: string, status: number, message: string, detail?: unknown) {
    super(message)
    this.code = code
    this.status = status
    this.detail = detail
  }
}

export const unauthorized = (message: string) => new DistributionError('UNAUTHORIZED', 401, message)
export const nameInvalid = (name: string) => new DistributionError('NAME_INVALID', 400, `invalid repository name: ${name}`)
export const blobUnknown = (digest: string) => new DistributionError('BLOB_UNKNOWN', 404, 'blob unknown to registry', { digest })
export const manifestUnknown = (reference: string) => new DistributionError('MANIFEST_UNKNOWN', 404, 'manifest unknown', { reference })
export const unsupported = (message: string) => new DistributionError('UNSUPPORTED', 405, message)
export const notFound = () => new DistributionError('NOT_FOUND', 404, 'no such route in the distribution API')
export const rangeInvalid = (message: string) => new DistributionError('BLOB_UPLOAD_INVALID', 416, message)

/** ECR's exceptions (what the shared service throws) as the distribution API's codes. */
const FROM_ECR: Record<string, [code: string, status: number]> = {
  RepositoryNotFoundException: ['NAME_UNKNOWN', 404],
  ImageNotFoundException: ['MANIFEST_UNKNOWN', 404],
  ImageTagAlreadyExistsException: ['TAG_INVALID', 400],
  ImageDigestDoesNotMatchException: ['DIGEST_INVALID', 400],
  LayersNotFoundException: ['MANIFEST_BLOB_UNKNOWN', 400],
  ReferencedImagesNotFoundException: ['MANIFEST_BLOB_UNKNOWN', 400],
  UploadNotFoundException: ['BLOB_UPLOAD_UNKNOWN', 404],
  InvalidLayerException: ['DIGEST_INVALID', 400],
  InvalidLayerPartException: ['BLOB_UPLOAD_INVALID', 416],
  RequestEntityTooLarge: ['SIZE_INVALID', 413],
  UpstreamUnavailable: ['UNAVAILABLE', 503],
}

/** Any error as a distribution error; `invalidCode` names what an InvalidParameterException means here. */
export function toDistributionError(err: unknown, invalidCode: string): DistributionError | undefined {
  if (err instanceof DistributionError) return err
  if (!(err instanceof AwsError) && isDiskFull(err)) return new DistributionError('UNAVAILABLE', 503, DISK_FULL_MESSAGE)
  if (!(err instanceof AwsError)) return undefined
  if (err.code === 'InvalidParameterException') return new DistributionError(invalidCode, 400, err.message)
  const mapped = FROM_ECR[err.code]
  return mapped ? new DistributionError(mapped[0], mapped[1], err.message) : undefined
}
