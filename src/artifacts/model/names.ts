/**
 * Bucket names and keys as S3 accepts them. Pure: no I/O.
 */

/** S3's general-purpose bucket naming rules; `undefined` when `name` is valid, else the reason. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be between 3 and 63 characters long'
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lower-case letters, digits, dots and hyphens'
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit'
  if (name.includes('..')) return 'must not contain two adjacent periods'
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address'
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return 'must not start with a reserved prefix'
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return 'must not end with a reserved suffix'
  return undefined
}

/** The bucket of the registry's blobs (an S3 object store adds its bucket prefix). */
export const REGISTRY_BUCKET = 'slipway-registry'

/** Buckets Slipway keeps for itself: the S3 API neither lists nor serves them. */
export const INTERNAL_BUCKETS: readonly string[] = [REGISTRY_BUCKET]

/**
 * Names the S3 API refuses for buckets: Slipway's own buckets, and the first path segments of its
 * other endpoints on the shared port (`/console/…`, `/slipway/…`, `/runner/v1/…`, `/health`,
 * `/webhooks/trigger`), which a
 * path-style bucket of that name would shadow or be shadowed by.
 */
export const RESERVED_BUCKETS: readonly string[] = [...INTERNAL_BUCKETS, 'console', 'slipway', 'runner', 'health', 'webhooks']

/** Longest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

/** Byte length of a string in UTF-8, computed without Buffer. */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/**
 * Compares two strings in UTF-8 byte order (which is Unicode code point order), the order S3 lists
 * keys in. JavaScript's `<` compares UTF-16 code units, which differs for characters above U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

/** Index of the first element of sorted `keys` that is greater than `after` (or >= when `inclusive`). */
export function lowerBound(keys: readonly string[], target: string, inclusive = true): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = compareKeys(keys[mid] as string, target)
    if (c < 0 || (!inclusive && c === 0)) lo = mid + 1
    else hi = mid
  }
  return lo
}
