/**
 * A service's considered answer to one of Slipway's own clients (the deploy agent, a build runner): an
 * AWS-shaped error (`__type`, message, HTTP status). Anything else thrown by a call — connection
 * refused, reset, aborted — is a transport failure the caller may retry.
 */
export class ServiceError extends Error {
  readonly code: string
  readonly status: number
  /** The server's message alone. */
  readonly detail: string
  constructor(code: string, message: string, status: number) {
    super(`${code}: ${message}`)
    this.name = 'ServiceError'
    this.code = code
    this.status = status
    this.detail = message
  }
}
