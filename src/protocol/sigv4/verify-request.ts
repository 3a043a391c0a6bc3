/**
 * Verification of AWS Signature Version 4 for every Slipway transport (AWS JSON, S3 REST, …), in both
 * the `Authorization` header form and the presigned query-string form. Pure apart from the key lookup;
 * knows nothing about HTTP frameworks: the transport hands over what arrived on the wire.
 */
import {
  awsError,
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  SignatureExpiredException,
  UnrecognizedClientException,
} from '../../shared/errors.ts'
import { canonicalQuery, canonicalRequest, canonicalUri, parseQuery, singleHeader } from './canonical.ts'
import type { HeaderMap, QueryParam } from './canonical.ts'
import { incompleteSignature, inspectAuthorization, parseCredential } from './parse-authorization.ts'
import type { CredentialScope } from './parse-authorization.ts'
import {
  ALGORITHM,
  credentialScope,
  formatAmzDate,
  parseAmzDate,
  signatureHex,
  signaturesMatch,
  signingKey,
  skewProblem,
  stringToSign,
} from './signing.ts'

export { sha256Hex, signingKey } from './signing.ts'
export { parseAuthorization } from './parse-authorization.ts'

/** A request as it arrived on the wire. */
export type SignedRequest = {
  method: string
  /** Raw path as on the wire, percent-encoding kept, without the query. */
  path: string
  /** Raw query string without `?` (empty string when there is none). */
  query: string
  /**
   * Lower-case header names as Node gives them. Prefer `req.headersDistinct`: `req.headers` joins a
   * repeated header with `', '` where SigV4 wants `','`.
   */
  headers: HeaderMap
  /**
   * Hex SHA-256 of the body, or the `x-amz-content-sha256` value the client sent (`UNSIGNED-PAYLOAD`,
   * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, or a hex hash). When it is a claimed hex hash the transport
   * must still check the body against it: the signature only proves the client claimed it.
   */
  payloadHash: string
}

/** An access key as the key store knows it. */
export type Credential = { accessKeyId: string; secretAccessKey: string; principal: string }

/** Finds the secret for an access key id; `undefined` for an unknown (or disabled) key. */
export type KeyLookup = (accessKeyId: string) => Promise<Credential | undefined>

/** Who signed a request, and with what, once the signature checked out. */
export type VerifiedCaller = {
  accessKeyId: string
  /** The user name the key belongs to. */
  principal: string
  region: string
  service: string
  /** `yyyymmdd` of the credential scope. */
  signingDate: string
  /** `yyyymmddThhmmssZ` that was signed. */
  amzDate: string
  /** `<signingDate>/<region>/<service>/aws4_request` */
  scope: string
  /** The request signature: the seed of S3 streaming-chunk signatures. */
  signature: string
  /** The derived signing key, for S3 streaming-chunk verification. */
  signingKey: Buffer
  /** True for the presigned query-string form. */
  presigned: boolean
}

export type VerifyOptions = {
  /** Allowed distance between the signed time and `now` (header form; not-yet-valid presigns). Default 900. */
  maxSkewSeconds?: number
}

/** Longest lifetime a presigned URL may declare: one week. */
export const MAX_PRESIGNED_EXPIRES = 604_800
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
const PRESIGN_MARKERS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature'])

/**
 * Verifies the SigV4 signature of a request and returns the caller.
 *
 * Order of checks: which mechanism (header or presigned query) → well-formedness → timestamp →
 * key lookup → signature (constant-time). Nothing is looked up for a malformed or stale request.
 *
 * @throws MissingAuthenticationTokenException neither an `Authorization` header nor presign parameters.
 * @throws IncompleteSignatureException malformed header, credential scope or date; `host` not signed.
 * @throws SignatureExpiredException (code `InvalidSignatureException`) header form signed more than
 *   `maxSkewSeconds` away from `now`.
 * @throws UnrecognizedClientException unknown access key.
 * @throws InvalidSignatureException the signature does not match, or the scope date is not the signed date.
 * @throws AwsError `AccessDenied` (403) for an expired presigned URL, `AuthorizationQueryParametersError`
 *   (400) for malformed presign parameters, `InvalidArgument` (400) when both forms are present.
 */
export async function verifyRequest(
  req: SignedRequest,
  lookup: KeyLookup,
  now: Date,
  opts: VerifyOptions = {},
): Promise<VerifiedCaller> {
  const maxSkewSeconds = opts.maxSkewSeconds ?? 900
  const params = parseQuery(req.query)
  const authorization = singleHeader(req.headers, 'authorization')
  const presigned = params.some((p) => PRESIGN_MARKERS.has(p.key))
  if (presigned && authorization !== undefined) {
    throw awsError(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    )
  }
  if (presigned) return verifyPresigned(req, params, lookup, now, maxSkewSeconds)
  if (params.some((p) => p.key === 'AWSAccessKeyId') && params.some((p) => p.key === 'Signature')) {
    throw awsError('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.')
  }
  if (authorization === undefined || authorization.trim() === '') throw new MissingAuthenticationTokenException()
  return verifyHeaderForm(req, authorization, params, lookup, now, maxSkewSeconds)
}

/**
 * What can be checked before a request's body is read: it carries a signature (header or presigned
 * query) that is well formed, made with an access key that exists. The transports that must buffer a
 * body to hash it call this first, so an anonymous or made-up caller never makes the server read one.
 * The full `verifyRequest` still runs once the body is in.
 */
export async function precheckRequest(req: Omit<SignedRequest, 'payloadHash'>, lookup: KeyLookup): Promise<void> {
  const params = parseQuery(req.query)
  const presignedCredential = params.find((p) => p.key === 'X-Amz-Credential')?.value
  if (presignedCredential !== undefined) {
    await lookupKey(lookup, parseCredential(presignedCredential).accessKeyId)
    return
  }
  const authorization = singleHeader(req.headers, 'authorization')
  if (authorization === undefined || authorization.trim() === '') throw new MissingAuthenticationTokenException()
  const { parsed, problems } = inspectAuthorization(authorization)
  if (!parsed || problems.length > 0) throw incompleteSignature(problems, authorization)
  await lookupKey(lookup, parseCredential(parsed.credential).accessKeyId)
}

async function verifyHeaderForm(
  req: SignedRequest,
  authorization: string,
  params: QueryParam[],
  lookup: KeyLookup,
  now: Date,
  maxSkewSeconds: number,
): Promise<VerifiedCaller> {
  const { parsed, problems } = inspectAuthorization(authorization)
  const amzDateHeader = singleHeader(req.headers, 'x-amz-date')
  const dateHeader = singleHeader(req.headers, 'date')
  if (amzDateHeader === undefined && dateHeader === undefined) {
    problems.push(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`)
  }
  if (!parsed || problems.length > 0) throw incompleteSignature(problems, authorization)

  const scope = parseCredential(parsed.credential)
  const signedAt = amzDateHeader !== undefined ? parseAmzDate(amzDateHeader) : parseHttpDate(dateHeader ?? '')
  if (!signedAt) {
    throw new IncompleteSignatureException(
      `Date must be in ISO-8601 'basic format'. Got '${amzDateHeader ?? dateHeader}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    )
  }
  const amzDate = formatAmzDate(signedAt)
  requireHostSigned(parsed.signedHeaders, `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`)
  if (scope.date !== amzDate.slice(0, 8)) {
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    )
  }
  const skew = skewProblem(signedAt, now, maxSkewSeconds)
  if (skew) throw new SignatureExpiredException(skew)

  const credential = await lookupKey(lookup, scope.accessKeyId)
  const key = signingKey(credential.secretAccessKey, scope.date, scope.region, scope.service)
  const common = { req, params, signedHeaders: parsed.signedHeaders, key, amzDate, scope }
  if (!signatureValid(common, req.payloadHash, parsed.signature)) throw new InvalidSignatureException(SIGNATURE_MISMATCH)
  return caller(credential, scope, amzDate, parsed.signature, key, false)
}

async function verifyPresigned(
  req: SignedRequest,
  params: QueryParam[],
  lookup: KeyLookup,
  now: Date,
  maxSkewSeconds: number,
): Promise<VerifiedCaller> {
  const get = (name: string): string | undefined => params.find((p) => p.key === name)?.value
  const algorithm = get('X-Amz-Algorithm')
  const credentialText = get('X-Amz-Credential')
  const signature = get('X-Amz-Signature')
  const dateText = get('X-Amz-Date')
  const signedHeadersText = get('X-Amz-SignedHeaders')
  const expiresText = get('X-Amz-Expires')
  if (!algorithm || !credentialText || !signature || !dateText || !signedHeadersText || !expiresText) {
    throw queryParamsError(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    )
  }
  if (algorithm !== ALGORITHM) throw queryParamsError(`X-Amz-Algorithm only supports "${ALGORITHM}"`)
  const scope = parseCredential(credentialText)
  const signedAt = parseAmzDate(dateText)
  if (!signedAt) throw queryParamsError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
  if (!/^\d{1,7}$/.test(expiresText)) throw queryParamsError('X-Amz-Expires should be a number')
  const expires = Number(expiresText)
  if (expires > MAX_PRESIGNED_EXPIRES) {
    throw queryParamsError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES}`)
  }
  const signedHeaders = signedHeadersText.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '')
  requireHostSigned(signedHeaders, `'Host' must be a 'SignedHeader' in the AWS Authorization.`)
  const amzDate = formatAmzDate(signedAt)
  if (scope.date !== amzDate.slice(0, 8)) throw queryParamsError('Invalid credential date. Date is not the same as X-Amz-Date.')
  if (now.getTime() > signedAt.getTime() + expires * 1000) throw awsError('AccessDenied', 'Request has expired', 403)
  if (signedAt.getTime() > now.getTime() + maxSkewSeconds * 1000) throw awsError('AccessDenied', 'Request is not valid yet', 403)

  const credential = await lookupKey(lookup, scope.accessKeyId)
  const key = signingKey(credential.secretAccessKey, scope.date, scope.region, scope.service)
  const common = { req, params, signedHeaders, key, amzDate, scope }
  const valid = presignedPayloadHashes(req, get('X-Amz-Content-Sha256')).some((hash) =>
    signatureValid(common, hash, signature),
  )
  if (!valid) throw new InvalidSignatureException(SIGNATURE_MISMATCH)
  return caller(credential, scope, amzDate, signature, key, true)
}

/**
 * What a presigned URL may have signed as payload hash: a hoisted `X-Amz-Content-Sha256` if present,
 * else `UNSIGNED-PAYLOAD` (S3 presigners, botocore) or the body hash the transport computed (the AWS JS
 * SDK's generic presigner, which hashes the empty body of a GET).
 */
function presignedPayloadHashes(req: SignedRequest, hoisted: string | undefined): string[] {
  if (hoisted !== undefined) return [hoisted]
  return req.payloadHash === UNSIGNED_PAYLOAD ? [UNSIGNED_PAYLOAD] : [UNSIGNED_PAYLOAD, req.payloadHash]
}

type SignatureInputs = {
  req: SignedRequest
  params: QueryParam[]
  signedHeaders: string[]
  key: Buffer
  amzDate: string
  scope: CredentialScope
}

function signatureValid(inputs: SignatureInputs, payloadHash: string, provided: string): boolean {
  const { req, params, signedHeaders, key, amzDate, scope } = inputs
  const canonical = canonicalRequest({
    method: req.method.toUpperCase(),
    uri: canonicalUri(req.path, scope.service),
    query: canonicalQuery(params),
    headers: req.headers,
    signedHeaders,
    payloadHash,
  })
  const toSign = stringToSign(amzDate, credentialScope(scope.date, scope.region, scope.service), canonical)
  return signaturesMatch(signatureHex(key, toSign), provided)
}

async function lookupKey(lookup: KeyLookup, accessKeyId: string): Promise<Credential> {
  const credential = await lookup(accessKeyId)
  if (!credential) throw new UnrecognizedClientException()
  return credential
}

function caller(
  credential: Credential,
  scope: CredentialScope,
  amzDate: string,
  signature: string,
  key: Buffer,
  presigned: boolean,
): VerifiedCaller {
  return {
    accessKeyId: scope.accessKeyId,
    principal: credential.principal,
    region: scope.region,
    service: scope.service,
    signingDate: scope.date,
    amzDate,
    scope: credentialScope(scope.date, scope.region, scope.service),
    signature,
    signingKey: key,
    presigned,
  }
}

function requireHostSigned(signedHeaders: readonly string[], message: string): void {
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) {
    throw new IncompleteSignatureException(message)
  }
}

function queryParamsError(message: string) {
  return awsError('AuthorizationQueryParametersError', message, 400)
}

/** An RFC 7231 `Date` header (`Tue, 24 Nov 2026 06:00:00 GMT`), or `undefined`. */
function parseHttpDate(text: string): Date | undefined {
  if (!/GMT$|UTC$|Z$/.test(text.trim())) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : new Date(ms)
}
