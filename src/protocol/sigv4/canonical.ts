/**
 * The SigV4 canonical request, rebuilt on the server side from what arrived on the wire: the raw path,
 * the raw query string and the headers as Node parsed them.
 */

/** Header values as Node gives them (`req.headers` or, better, `req.headersDistinct`). */
export type HeaderMap = Record<string, string | string[] | undefined>

/** One `key=value` pair of the raw query string, raw and decoded. */
export type QueryParam = { key: string; value: string; encodedKey: string; encodedValue: string }

const HEX = '0123456789ABCDEF'

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e // - . _ ~
  )
}

/** AWS's URI encoding of bytes: unreserved characters kept, everything else `%XX` upper-case. */
export function uriEncodeBytes(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`
  }
  return out
}

/** AWS's URI encoding of a string's UTF-8 bytes. */
export function uriEncode(text: string): string {
  return uriEncodeBytes(Buffer.from(text, 'utf8'))
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  return -1
}

/**
 * Percent-decodes one query component to bytes, as AWS does: `%XX` becomes the byte, `+` a space,
 * a `%` not followed by two hex digits stays literal. Never throws, even on invalid UTF-8.
 */
export function decodeQueryComponent(raw: string): Buffer {
  const source = Buffer.from(raw, 'utf8')
  const out = Buffer.alloc(source.length)
  let n = 0
  for (let i = 0; i < source.length; i++) {
    const byte = source[i] as number
    if (byte === 0x25 && i + 2 < source.length) {
      const hi = hexValue(source[i + 1] as number)
      const lo = hexValue(source[i + 2] as number)
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo
        i += 2
        continue
      }
    }
    out[n++] = byte === 0x2b ? 0x20 : byte
  }
  return out.subarray(0, n)
}

/** Splits a raw query string (without `?`) into decoded and canonically re-encoded pairs. */
export function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = []
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const keyBytes = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq))
    const valueBytes = decodeQueryComponent(eq < 0 ? '' : part.slice(eq + 1))
    params.push({
      key: keyBytes.toString('utf8'),
      value: valueBytes.toString('utf8'),
      encodedKey: uriEncodeBytes(keyBytes),
      encodedValue: uriEncodeBytes(valueBytes),
    })
  }
  return params
}

/**
 * The canonical query string: every pair re-encoded, sorted by encoded key then encoded value,
 * joined by `&`. `X-Amz-Signature` (any case) is left out, as the presigned form requires.
 */
export function canonicalQuery(params: readonly QueryParam[]): string {
  return params
    .filter((p) => p.key.toLowerCase() !== 'x-amz-signature')
    .map((p) => [p.encodedKey, p.encodedValue] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

/**
 * The canonical URI. S3 signs the path exactly as sent (single encoding, no normalisation); every
 * other service signs the normalised path (empty and `.` segments dropped, `..` resolved) with each
 * segment URI-encoded once more than on the wire, i.e. twice in total.
 */
export function canonicalUri(rawPath: string, service: string): string {
  const path = rawPath === '' ? '/' : rawPath
  if (service === 's3') return path
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(uriEncode(segment))
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : ''
  return `/${segments.join('/')}${trailing}`
}

/** A header value folded as SigV4 wants: repeated values joined by `,`, whitespace runs collapsed. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '')
  return joined.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '')
}

/** Looks a lower-case header up, treating HTTP/2 `:authority` as `host`. */
export function headerValue(headers: HeaderMap, name: string): string | string[] | undefined {
  const value = headers[name]
  if (value === undefined && name === 'host') return headers[':authority']
  return value
}

/** The first value of a header, or `undefined`. */
export function singleHeader(headers: HeaderMap, name: string): string | undefined {
  const value = headerValue(headers, name)
  return Array.isArray(value) ? value[0] : value
}

/** Everything that goes into the canonical request. */
export type CanonicalParts = {
  method: string
  uri: string
  query: string
  headers: HeaderMap
  signedHeaders: readonly string[]
  payloadHash: string
}

/**
 * `<METHOD>\n<uri>\n<query>\n<name:value\n...>\n<signed;headers>\n<payload hash>`. The signed-header
 * list is used in the order the client declared it (clients always send it sorted).
 */
export function canonicalRequest(parts: CanonicalParts): string {
  const lines = parts.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headerValue(parts.headers, name))}\n`)
  return [
    parts.method,
    parts.uri,
    parts.query,
    lines.join(''),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n')
}
