/**
 * What a path-style S3 request addresses: `/<bucket>/<key>` taken from the raw URL (the key is
 * percent-decoded exactly once, `+` stays `+`, no dot-segment normalisation), plus the decoded query.
 */
import { decodeQueryComponent, parseQuery } from '../sigv4/canonical.ts'

export type S3Target = {
  /** Empty for `GET /` (ListBuckets). */
  bucket: string
  /** Undefined for bucket-level requests (`/bucket` and `/bucket/`). */
  key: string | undefined
  /** Query parameters, first occurrence wins; valueless ones (`?versioning`) map to ''. */
  query: ReadonlyMap<string, string>
  rawPath: string
  rawQuery: string
}

/** Percent-decodes a path component to UTF-8 (`%XX` → byte; `+` and malformed escapes stay literal). */
export function decodePathComponent(raw: string): string {
  return decodeQueryComponent(raw.replaceAll('+', '%2B')).toString('utf8')
}

export function parseTarget(url: string): S3Target {
  const q = url.indexOf('?')
  const rawPath = q < 0 ? url : url.slice(0, q)
  const rawQuery = q < 0 ? '' : url.slice(q + 1)
  const query = new Map<string, string>()
  for (const param of parseQuery(rawQuery)) if (!query.has(param.key)) query.set(param.key, param.value)
  const rest = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath
  const slash = rest.indexOf('/')
  const bucket = decodePathComponent(slash < 0 ? rest : rest.slice(0, slash))
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1)
  return { bucket, key: rawKey === '' ? undefined : decodePathComponent(rawKey), query, rawPath, rawQuery }
}

/**
 * `x-amz-copy-source`: `[/]<bucket>/<url-encoded key>[?versionId=<id>]`.
 * Returns `undefined` when it does not name a bucket and a key.
 */
export function parseCopySource(header: string): { bucket: string; key: string; versionId?: string } | undefined {
  const q = header.indexOf('?')
  const path = (q < 0 ? header : header.slice(0, q)).replace(/^\//, '')
  const versionId = q < 0 ? undefined : new Map(parseQuery(header.slice(q + 1)).map((p) => [p.key, p.value])).get('versionId')
  const slash = path.indexOf('/')
  if (slash <= 0 || slash === path.length - 1) return undefined
  return {
    bucket: decodePathComponent(path.slice(0, slash)),
    key: decodePathComponent(path.slice(slash + 1)),
    ...(versionId !== undefined ? { versionId } : {}),
  }
}
