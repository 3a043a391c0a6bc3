/**
 * The cryptographic building blocks of AWS Signature Version 4: hashing, key derivation, credential
 * scopes, `X-Amz-Date` timestamps and constant-time comparison. Only `node:crypto`; no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** The only algorithm Slipway accepts (SigV4a / ECDSA is not supported). */
export const ALGORITHM = 'AWS4-HMAC-SHA256'
/** The fixed last element of every credential scope. */
export const SCOPE_TERMINATOR = 'aws4_request'
/** Hex SHA-256 of the empty string, used by chunk signatures and empty bodies. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/** Hex-encoded SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Raw HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(key: string | Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

/**
 * The SigV4 signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
 * `date` is the `yyyymmdd` of the credential scope.
 */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  // A key is good for a day, a region and a service: derived once, not four HMACs per request (as
  // the AWS SDKs cache it). The cache is keyed by a hash of the secret, never the secret itself.
  const id = JSON.stringify([createHash('sha256').update(secret).digest('base64'), date, region, service])
  const cached = SIGNING_KEYS.get(id)
  if (cached) {
    // Most recently used last: eviction takes the least recently used.
    SIGNING_KEYS.delete(id)
    SIGNING_KEYS.set(id, cached)
    return cached
  }
  const kDate = hmacSha256(`AWS4${secret}`, date)
  const kRegion = hmacSha256(kDate, region)
  const kService = hmacSha256(kRegion, service)
  const key = hmacSha256(kService, SCOPE_TERMINATOR)
  if (SIGNING_KEYS.size >= MAX_SIGNING_KEYS) SIGNING_KEYS.delete(SIGNING_KEYS.keys().next().value!)
  SIGNING_KEYS.set(id, key)
  return key
}

/** Derived signing keys, oldest first (a Map keeps insertion order). */
const SIGNING_KEYS = new Map<string, Buffer>()
const MAX_SIGNING_KEYS = 1024

/** `<yyyymmdd>/<region>/<service>/aws4_request` */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SCOPE_TERMINATOR}`
}

/** `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256(canonicalRequest)>` */
export function stringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`
}

/** Hex HMAC-SHA256 of a string to sign under a derived signing key. */
export function signatureHex(key: Uint8Array, toSign: string): string {
  return hmacSha256(key, toSign).toString('hex')
}

const HEX_SIGNATURE = /^[0-9a-f]{64}$/

/**
 * Constant-time comparison of an expected hex signature with the one a client sent. Input that is not
 * 64 lower-case hex digits never matches (it is still compared, so timing does not reveal that).
 */
export function signaturesMatch(expectedHex: string, providedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8')
  const wellFormed = HEX_SIGNATURE.test(providedHex) && providedHex.length === expectedHex.length
  const provided = wellFormed ? Buffer.from(providedHex, 'utf8') : Buffer.alloc(expected.length)
  return timingSafeEqual(expected, provided) && wellFormed
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

/** `Date` → `yyyymmddThhmmssZ` (UTC, no milliseconds). */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

/** Parses `yyyymmddThhmmssZ`; `undefined` when the text is not a valid timestamp in that format. */
export function parseAmzDate(text: string): Date | undefined {
  const m = AMZ_DATE.exec(text)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  // Reject rollovers such as 20261332T250000Z.
  return formatAmzDate(date) === text ? date : undefined
}

/**
 * Checks that `signed` lies within `maxSkewSeconds` of `now` and returns the AWS wording of the
 * failure, or `undefined` when the timestamp is acceptable.
 */
export function skewProblem(signed: Date, now: Date, maxSkewSeconds: number): string | undefined {
  const skewMs = maxSkewSeconds * 1000
  const minutes = `${Math.round(maxSkewSeconds / 60)} min.`
  const nowText = formatAmzDate(now)
  if (signed.getTime() < now.getTime() - skewMs) {
    const earliest = formatAmzDate(new Date(now.getTime() - skewMs))
    return `Signature expired: ${formatAmzDate(signed)} is now earlier than ${earliest} (${nowText} - ${minutes})`
  }
  if (signed.getTime() > now.getTime() + skewMs) {
    const latest = formatAmzDate(new Date(now.getTime() + skewMs))
    return `Signature not yet current: ${formatAmzDate(signed)} is still later than ${latest} (${nowText} + ${minutes})`
  }
  return undefined
}
