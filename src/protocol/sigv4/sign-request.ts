/**
 * Client-side AWS Signature Version 4 (header form) for Slipway's own outgoing calls — the deploy agent
 * talking to CodeDeploy, its command channel and S3. Signs AWS JSON 1.1 POSTs and S3 GETs the way
 * botocore does: every given header plus `host` and `x-amz-date` is signed, the body is always hashed
 * (no unsigned payloads), and S3 requests also carry `x-amz-content-sha256`.
 */
import { canonicalQuery, canonicalRequest, canonicalUri, parseQuery } from './canonical.ts'
import { ALGORITHM, credentialScope, formatAmzDate, sha256Hex, signatureHex, signingKey, stringToSign } from './signing.ts'

export type SigningCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export type SignInput = {
  method: string
  url: string | URL
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** SigV4 signing name: `codedeploy`, `codedeploy-commands`, `s3`, … */
  service: string
  region: string
  credentials: SigningCredentials
  /** Signing time; defaults to now. */
  date?: Date
}

/** Headers a proxy or the HTTP stack may change: never signed (the AWS SDK's list). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'content-length',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
])

/**
 * Signs a request and returns the headers to send (lower-case names, including `host`,
 * `x-amz-date`, `authorization`, and for S3 `x-amz-content-sha256`).
 */
export function signRequest(input: SignInput): Record<string, string> {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url
  const date = input.date ?? new Date()
  const amzDate = formatAmzDate(date)
  const day = amzDate.slice(0, 8)
  const payloadHash = sha256Hex(input.body ?? '')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value
  headers.host = url.host
  headers['x-amz-date'] = amzDate
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken
  if (input.service === 's3') headers['x-amz-content-sha256'] = payloadHash
  delete headers.authorization
  const signedHeaders = Object.keys(headers)
    .filter((name) => !UNSIGNABLE.has(name))
    .sort()
  const canonical = canonicalRequest({
    method: input.method.toUpperCase(),
    uri: canonicalUri(url.pathname, input.service),
    query: canonicalQuery(parseQuery(url.search.slice(1))),
    headers,
    signedHeaders,
    payloadHash,
  })
  const scope = credentialScope(day, input.region, input.service)
  const key = signingKey(input.credentials.secretAccessKey, day, input.region, input.service)
  const signature = signatureHex(key, stringToSign(amzDate, scope, canonical))
  headers.authorization =
    `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`
  return headers
}

export type SignedFetchInit = Omit<SignInput, 'url' | 'method'> & {
  method?: string
  signal?: AbortSignal
}

/** `fetch` with a SigV4 `Authorization` header. The URL is sent exactly as given (S3 keys pre-encoded). */
export function signedFetch(url: string | URL, init: SignedFetchInit): Promise<Response> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST')
  const headers = signRequest({ ...init, url, method })
  // fetch sets Host itself, to the same `url.host` that was signed.
  delete headers.host
  return fetch(url, { method, headers, body: init.body, signal: init.signal })
}
