/**
 * S3's error codes as `AwsError`s. `details` are the extra elements S3 puts in its `<Error>` document
 * (`Key`, `BucketName`, `ArgumentName`, …); `headers` are response headers that go with the error
 * (e.g. `x-amz-delete-marker` on a GET of a deleted key). The S3 transport renders both.
 */
import { AwsError } from '../../shared/errors.ts'

export class S3Error extends AwsError {
  readonly details: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>

  constructor(code: string, message: string, status: number, details: Record<string, string> = {}, headers: Record<string, string> = {}) {
    super(code, message, status)
    this.details = details
    this.headers = headers
  }
}

export const noSuchBucket = (bucket: string) => new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket })

export const noSuchKey = (key: string, headers: Record<string, string> = {}) =>
  new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key }, headers)

export const noSuchVersion = (key: string, versionId: string) =>
  new S3Error('NoSuchVersion', 'The specified version does not exist.', 404, { Key: key, VersionId: versionId })

/** A GET/HEAD naming a delete marker's version id. */
export const deleteMarkerVersion = (versionId: string) =>
  new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: 'GET', ResourceType: 'DeleteMarker' }, {
    'x-amz-delete-marker': 'true',
    'x-amz-version-id': versionId,
  })

export const invalidVersionId = (versionId: string) =>
  new S3Error('InvalidArgument', 'Invalid version id specified', 400, { ArgumentName: 'versionId', ArgumentValue: versionId })

export const bucketAlreadyOwnedByYou = (bucket: string) =>
  new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: bucket })

export const bucketNotEmpty = (bucket: string) =>
  new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket })

export const invalidBucketName = (bucket: string) =>
  new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: bucket })

export const keyTooLong = () => new S3Error('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: '1024' })

export const noSuchUpload = (uploadId: string) =>
  new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', 404, {
    UploadId: uploadId,
  })

export const invalidPart = (partNumber: number, etag: string) =>
  new S3Error(
    'InvalidPart',
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    400,
    { PartNumber: String(partNumber), ETag: etag },
  )

export const invalidPartOrder = () =>
  new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.', 400)

export const entityTooSmall = (partNumber: number, size: number, minimum: number) =>
  new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
    ProposedSize: String(size),
    MinSizeAllowed: String(minimum),
    PartNumber: String(partNumber),
  })

export const invalidPartNumber = () =>
  new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', 400, { ArgumentName: 'partNumber' })

export const invalidRange = (size: number) =>
  new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, { ActualObjectSize: String(size) })

export const malformedXml = () =>
  new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400)

export const invalidArgument = (message: string, argumentName?: string, argumentValue?: string) =>
  new S3Error('InvalidArgument', message, 400, {
    ...(argumentName !== undefined ? { ArgumentName: argumentName } : {}),
    ...(argumentValue !== undefined ? { ArgumentValue: argumentValue } : {}),
  })

export const invalidRequest = (message: string) => new S3Error('InvalidRequest', message, 400)

export const copyToItself = () =>
  invalidRequest(
    "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
  )
