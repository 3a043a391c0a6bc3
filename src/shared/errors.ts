/**
 * Errors that cross the wire. Every error a client may see is an `AwsError` subclass (or an
 * instance made by `awsError`), named exactly as the AWS API model names it. The edge maps it to the
 * wire once (`__type`, `x-amzn-ErrorType`, HTTP status); nothing else formats errors.
 */
export class AwsError extends Error {
  /** The AWS error code, e.g. `RepositoryDoesNotExistException`. */
  readonly code: string
  /** HTTP status on the wire; all modeled exceptions of the four services are 400. */
  readonly status: number

  constructor(code: string, message: string, status = 400) {
    super(message)
    this.name = code
    this.code = code
    this.status = status
  }
}

/** Shorthand for an error whose only behaviour is its AWS name and message. */
export function awsError(code: string, message: string, status = 400): AwsError {
  return new AwsError(code, message, status)
}

export class ValidationException extends AwsError {
  constructor(message: string) {
    super('ValidationException', message, 400)
  }
}

export class SerializationException extends AwsError {
  constructor(message: string) {
    super('SerializationException', message, 400)
  }
}

export class UnknownOperationException extends AwsError {
  constructor(message: string) {
    super('UnknownOperationException', message, 400)
  }
}

/** An operation the API model defines but Slipway does not implement (yet). */
export class NotImplementedOperation extends AwsError {
  constructor(service: string, operation: string) {
    super('UnsupportedOperationException', `Slipway does not implement ${service} ${operation} yet`, 400)
  }
}

/** Authentication failures: the AWS front-end names, with their HTTP statuses. */
export class MissingAuthenticationTokenException extends AwsError {
  constructor(message = 'Missing Authentication Token') {
    super('MissingAuthenticationTokenException', message, 403)
  }
}
export class UnrecognizedClientException extends AwsError {
  constructor(message = 'The security token included in the request is invalid.') {
    super('UnrecognizedClientException', message, 403)
  }
}
export class InvalidSignatureException extends AwsError {
  constructor(message: string) {
    super('InvalidSignatureException', message, 403)
  }
}
export class IncompleteSignatureException extends AwsError {
  constructor(message: string) {
    super('IncompleteSignatureException', message, 403)
  }
}
/** AWS answers a request signed too far from its clock with this name. */
export class SignatureExpiredException extends AwsError {
  constructor(message: string) {
    super('InvalidSignatureException', message, 403)
  }
}

/** Anything unexpected: the wire shows only this, never internals. */
export class InternalFailure extends AwsError {
  constructor() {
    super('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500)
  }
}
