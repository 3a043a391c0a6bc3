/**
 * CodeBuild-style path globs compiled to anchored RegExps (no dependency).
 *
 * Matched against relative POSIX paths (`dir/sub/file.txt`), case-sensitively:
 * - `*` any run of characters except `/` — including a leading dot (CodeBuild selects dot-files);
 * - `?` one character except `/`; `[abc]`, `[a-z]`, `[!x]`/`[^x]` one character of a class
 *   (an unclosed `[` is literal); `{a,b}` either alternative (within one path segment);
 * - a whole segment `**` matches zero or more directories: `**` + `/*` is everything, `dir/**` + `/*`
 *   everything under `dir`, `a/**` + `/b` is `a/b`, `a/x/b`, …; a trailing `**` matches everything
 *   below its parent; `**` inside a segment (`a**`) acts as `*`;
 * - `\x` is a literal `x`; everything else is literal.
 */

const SPECIALS = /[.+^$()|\\{}[\]*?]/g

/** Strips `./` prefixes, repeated and trailing slashes: `./a//b/` → `a/b`. */
export function normalizeGlob(pattern: string): string {
  let p = pattern.replace(/\/{2,}/g, '/')
  while (p.startsWith('./')) p = p.slice(2)
  if (p === '.') p = ''
  return p.replace(/\/+$/, '')
}

/** True when the pattern has any glob syntax (otherwise it names one path). */
export function hasGlobSyntax(pattern: string): boolean {
  return /[*?[{\\]/.test(pattern)
}

/** The anchored RegExp for a glob. A pattern whose class is invalid (`[z-a]`) matches only itself, literally. */
export function compileGlob(pattern: string): RegExp {
  try {
    return compileStrict(pattern)
  } catch {
    return new RegExp(`^${escape(normalizeGlob(pattern))}$`, 'u')
  }
}

function compileStrict(pattern: string): RegExp {
  const segments = normalizeGlob(pattern).split('/')
  let source = ''
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1
    if (segment === '**') source += last ? '.*' : '(?:[^/]+/)*'
    else source += segmentSource(segment) + (last ? '' : '/')
  })
  return new RegExp(`^${source}$`, 'u')
}

/** One path segment's glob → RegExp source (never matches `/`). */
function segmentSource(segment: string): string {
  let out = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? ''
    if (c === '*') {
      while (segment[i + 1] === '*') i++
      out += '[^/]*'
    } else if (c === '?') {
      out += '[^/]'
    } else if (c === '\\' && i + 1 < segment.length) {
      out += escape(segment[++i] ?? '')
    } else if (c === '[') {
      const close = classEnd(segment, i)
      if (close < 0) out += '\\['
      else {
        out += classSource(segment.slice(i + 1, close))
        i = close
      }
    } else if (c === '{') {
      const close = braceEnd(segment, i)
      if (close < 0) out += '\\{'
      else {
        out += `(?:${splitAlternatives(segment.slice(i + 1, close)).map(segmentSource).join('|')})`
        i = close
      }
    } else out += escape(c)
  }
  return out
}

function escape(text: string): string {
  return text.replace(SPECIALS, '\\$&')
}

/** Index of the `]` closing the class opened at `open` (a `]` right after `[`/`[!` is literal), or -1. */
function classEnd(segment: string, open: number): number {
  let i = open + 1
  if (segment[i] === '!' || segment[i] === '^') i++
  if (segment[i] === ']') i++
  const close = segment.indexOf(']', i)
  return close
}

function classSource(body: string): string {
  const negated = body.startsWith('!') || body.startsWith('^')
  const chars = (negated ? body.slice(1) : body).replace(/[\\\]^[]/g, '\\$&')
  return negated ? `[^/${chars}]` : `[${chars}]`
}

/** Index of the `}` matching the `{` at `open` (nesting allowed), or -1. */
function braceEnd(segment: string, open: number): number {
  let depth = 0
  for (let i = open; i < segment.length; i++) {
    if (segment[i] === '\\') i++
    else if (segment[i] === '{') depth++
    else if (segment[i] === '}' && --depth === 0) return i
  }
  return -1
}

/** Splits brace contents on top-level commas. */
function splitAlternatives(body: string): string[] {
  const out: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') i++
    else if (body[i] === '{') depth++
    else if (body[i] === '}') depth--
    else if (body[i] === ',' && depth === 0) {
      out.push(body.slice(start, i))
      start = i + 1
    }
  }
  out.push(body.slice(start))
  return out
}
