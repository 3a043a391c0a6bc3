/**
 * The glob language of CodePipeline trigger filters (AWS documents it as the Java `PathMatcher`
 * "glob" syntax): `*` matches within one path segment (never `/`), `**` matches across segments, `?`
 * one character other than `/`, `[abc]` / `[a-z]` / `[!a-z]` one character of a set, `{a,b}` one of
 * the alternatives (no nesting), `\` escapes the next character. A pattern matches the whole string.
 */

export type CompiledGlob = { ok: true; regex: RegExp } | { ok: false; problem: string }

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g

function literal(ch: string): string {
  return ch.replace(REGEX_SPECIAL, '\\$&')
}

export function compileGlob(pattern: string): CompiledGlob {
  let out = ''
  let inGroup = false
  let i = 0
  while (i < pattern.length) {
    const ch = pattern[i] ?? ''
    if (ch === '\\') {
      const next = pattern[i + 1]
      if (next === undefined) return { ok: false, problem: `pattern '${pattern}' ends with an escape character` }
      out += literal(next)
      i += 2
    } else if (ch === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*'
        i += 2
      } else {
        out += '[^/]*'
        i += 1
      }
    } else if (ch === '?') {
      out += '[^/]'
      i += 1
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2)
      if (close < 0) return { ok: false, problem: `pattern '${pattern}' has a '[' without a matching ']'` }
      let body = pattern.slice(i + 1, close)
      const negate = body.startsWith('!')
      if (negate) body = body.slice(1)
      if (body.includes('/')) return { ok: false, problem: `pattern '${pattern}' has '/' inside a bracket expression` }
      const escaped = [...body].map((c) => (c === '-' ? '-' : literal(c))).join('')
      out += negate ? `[^/${escaped}]` : `[${escaped}]`
      i = close + 1
    } else if (ch === '{') {
      if (inGroup) return { ok: false, problem: `pattern '${pattern}' nests '{' groups, which glob does not allow` }
      inGroup = true
      out += '(?:'
      i += 1
    } else if (ch === '}' && inGroup) {
      inGroup = false
      out += ')'
      i += 1
    } else if (ch === ',' && inGroup) {
      out += '|'
      i += 1
    } else {
      out += literal(ch)
      i += 1
    }
  }
  if (inGroup) return { ok: false, problem: `pattern '${pattern}' has a '{' without a matching '}'` }
  try {
    return { ok: true, regex: new RegExp(`^${out}$`, 'u') }
  } catch {
    return { ok: false, problem: `pattern '${pattern}' is not a valid glob` }
  }
}

/** True when `value` matches `pattern`; an invalid pattern matches nothing. */
export function globMatches(pattern: string, value: string): boolean {
  const compiled = compileGlob(pattern)
  return compiled.ok && compiled.regex.test(value)
}
