/**
 * Offset pagination with opaque tokens, as AWS list operations page: return a token until the last
 * page, then none. `invalid` builds the service's own error for a token it did not issue.
 */
export function paginate<T>(items: readonly T[], token: string | undefined, pageSize: number, invalid: () => Error): { page: T[]; nextToken?: string } {
  let start = 0
  if (token !== undefined) {
    const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
    if (!m) throw invalid()
    start = Number(m[1])
    if (start > items.length) throw invalid()
  }
  const end = start + pageSize
  const page = items.slice(start, end)
  return end < items.length ? { page, nextToken: Buffer.from(`o${end}`).toString('base64url') } : { page }
}
