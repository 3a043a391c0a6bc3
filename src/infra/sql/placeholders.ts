const cache = new Map<string, string>()

/**
 * Portable `?` placeholders as PostgreSQL's `$1, $2, …`, skipping quoted strings, quoted identifiers
 * and comments. Converted once per statement text.
 */
export function numberedPlaceholders(text: string): string {
  let out = cache.get(text)
  if (out !== undefined) return out
  out = ''
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1)
      const stop = end < 0 ? text.length : end + 1
      out += text.slice(i, stop)
      i = stop - 1
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i)
      const stop = end < 0 ? text.length : end
      out += text.slice(i, stop)
      i = stop - 1
    } else if (c === '?') {
      out += `$${++n}`
    } else {
      out += c
    }
  }
  if (cache.size > 2000) cache.clear()
  cache.set(text, out)
  return out
}
