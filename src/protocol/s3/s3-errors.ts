/**
 * The one place S3 errors meet the wire: `<Error><Code/><Message/>…<RequestId/></Error>` with S3's
 * status (no body for HEAD). SigV4 failures, which the shared verifier names the AWS JSON way, get
 * S3's names here; anything that is not an `AwsError` is logged and answered InternalError.
 */
import type { FastifyReply } from 'fastify'
import { S3Error } from '../../artifacts/model/errors.ts'
import { AwsError, SignatureExpiredException } from '../../shared/errors.ts'
import { el, plainXmlDocument } from './xml.ts'
import { DISK_FULL_MESSAGE, isDiskFull, shouldLogDiskFull } from '../../shared/disk-full.ts'

const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'

/** Translates the sigv4 module's error names into S3's. */
export function toS3Error(error: unknown): AwsError | undefined {
  if (!(error instanceof AwsError)) return undefined
  if (error instanceof SignatureExpiredException) {
    return new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, { Detail: error.message })
  }
  switch (error.code) {
    case 'MissingAuthenticationTokenException':
      return new S3Error('AccessDenied', 'Access Denied', 403)
    case 'UnrecognizedClientException':
      return new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403)
    case 'InvalidSignatureException':
      return error.message.startsWith('Date in Credential scope')
        ? new S3Error('AuthorizationHeaderMalformed', error.message, 400)
        : new S3Error('SignatureDoesNotMatch', SIGNATURE_MISMATCH, 403)
    case 'IncompleteSignatureException':
      return new S3Error('AuthorizationHeaderMalformed', error.message, 400)
    case 'RequestEntityTooLarge':
      return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400)
    default:
      return error
  }
}

export type ErrorContext = { requestId: string; method: string; bucket?: string; key?: string; resource: string }

export function sendS3Error(reply: FastifyReply, error: unknown, context: ErrorContext): FastifyReply {
  const diskFull = !(error instanceof AwsError) && isDiskFull(error)
  const mapped = diskFull ? new S3Error('ServiceUnavailable', DISK_FULL_MESSAGE, 503) : toS3Error(error)
  if (diskFull) {
    if (shouldLogDiskFull()) reply.log.error({ err: error, requestId: context.requestId }, 'the disk is full: writes fail until space is freed')
  } else if (!mapped) reply.log.error({ err: error, requestId: context.requestId }, 'unhandled S3 error')
  const s3 = mapped ?? new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500)
  const details: Record<string, string> = { ...(s3 instanceof S3Error ? s3.details : {}) }
  if (context.key !== undefined && ['NoSuchKey', 'NoSuchVersion'].includes(s3.code)) details.Key ??= context.key
  if (context.bucket && ['NoSuchBucket', 'BucketNotEmpty', 'BucketAlreadyOwnedByYou', 'InvalidBucketName'].includes(s3.code)) details.BucketName = context.bucket
  if (s3 instanceof S3Error) for (const [name, value] of Object.entries(s3.headers)) reply.header(name, value)
  reply.code(s3.status)
  if (context.method === 'HEAD' || s3.status === 304) return reply.send()
  const inner = [
    el('Code', s3.code),
    el('Message', s3.message),
    ...Object.entries(details).map(([name, value]) => el(name, value)),
    el('Resource', context.resource),
    el('RequestId', context.requestId),
  ].join('')
  return reply.header('content-type', 'application/xml').send(plainXmlDocument('Error', inner))
}
