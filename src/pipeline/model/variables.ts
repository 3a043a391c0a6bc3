/**
 * Pipeline variable references, `#{namespace.key}`, as CodePipeline writes them in action
 * configuration values (reference: semantics.md §1.8). The namespace is `[A-Za-z0-9@\-_]+` (an action
 * namespace, `codepipeline` or `variables`); the key runs to the closing `}`. Anything else — `#{x}`,
 * `#{.k}`, an unclosed `#{a.b` — is plain text. Resolution is one pass: a resolved value is never
 * scanned again, so a variable whose value contains `#{...}` cannot inject further references.
 */

export type VariableReference = {
  namespace: string
  key: string
  /** Offset of `#` in the text. */
  start: number
  /** Offset just past the closing `}`. */
  end: number
}

/** Looks a variable up; undefined when it has no value. */
export type VariableLookup = (namespace: string, key: string) => string | undefined

const REFERENCE = /#\{([A-Za-z0-9@\-_]+)\.([^}]+)\}/g

/** Every `#{ns.key}` in `text`, in order of appearance. */
export function findReferences(text: string): VariableReference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({
    namespace: m[1] ?? '',
    key: m[2] ?? '',
    start: m.index,
    end: m.index + m[0].length,
  }))
}

/**
 * Replaces every reference with its value. A reference the lookup cannot answer stays as written and
 * is listed (as `ns.key`, once each, in order) in `unresolved`; the caller fails the action.
 */
export function resolveVariables(text: string, lookup: VariableLookup): { value: string; unresolved: string[] } {
  const unresolved: string[] = []
  let value = ''
  let from = 0
  for (const ref of findReferences(text)) {
    const resolved = lookup(ref.namespace, ref.key)
    value += text.slice(from, ref.start)
    if (resolved === undefined) {
      value += text.slice(ref.start, ref.end)
      const name = `${ref.namespace}.${ref.key}`
      if (!unresolved.includes(name)) unresolved.push(name)
    } else {
      value += resolved
    }
    from = ref.end
  }
  value += text.slice(from)
  return { value, unresolved }
}

/**
 * Resolves one configuration value. A value that is a JSON array or object (CodeBuild's
 * `EnvironmentVariables`, …) is resolved inside its parsed strings and written back as JSON, so a
 * variable's value — quotes, newlines and all — stays one JSON string and cannot break or extend the
 * document; any other value is resolved as text. A value without references is returned as written.
 */
export function resolveConfigurationValue(raw: string, lookup: VariableLookup): { value: string; unresolved: string[] } {
  if (findReferences(raw).length === 0) return { value: raw, unresolved: [] }
  const trimmed = raw.trim()
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      parsed = undefined
    }
    if (parsed !== undefined) {
      const unresolved: string[] = []
      const walk = (v: unknown): unknown => {
        if (typeof v === 'string') {
          const r = resolveVariables(v, lookup)
          for (const name of r.unresolved) if (!unresolved.includes(name)) unresolved.push(name)
          return r.value
        }
        if (Array.isArray(v)) return v.map(walk)
        if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
        return v
      }
      return { value: JSON.stringify(walk(parsed)), unresolved }
    }
  }
  return resolveVariables(raw, lookup)
}

/** Resolves every value of an action configuration (keys are never resolved). */
export function resolveConfiguration(
  config: Readonly<Record<string, string>>,
  lookup: VariableLookup,
): { configuration: Record<string, string>; unresolved: string[] } {
  const configuration: Record<string, string> = {}
  const unresolved: string[] = []
  for (const [key, raw] of Object.entries(config)) {
    const result = resolveConfigurationValue(raw, lookup)
    configuration[key] = result.value
    for (const name of result.unresolved) if (!unresolved.includes(name)) unresolved.push(name)
  }
  return { configuration, unresolved }
}
