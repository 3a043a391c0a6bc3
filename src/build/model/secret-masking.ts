/**
 * Masking secret values in build logs (file-formats §1.3: Parameter Store / Secrets Manager values
 * and access key ids never appear in logs).
 *
 * Matching is leftmost-longest: at each position the longest secret that matches there is
 * replaced by `***`, and scanning resumes after it. Empty secrets are ignored.
 *
 * Streaming (`createMasker`): a secret may straddle two chunks, so the masker holds back the
 * tail of what it has seen that could still start a secret — the longest suffix that is a prefix of
 * one, or an undecided match — until more input decides it, or `flush()` is called at the end of the
 * stream. Text that cannot start a secret is passed on at once, so live logs do not lag. Whatever
 * the chunking, the concatenated output equals `maskSecrets` of the concatenated input.
 */

export const MASK = '***'

/** One RegExp matching any of the secrets, longest first (so alternation is leftmost-longest). */
function secretsPattern(secrets: readonly string[]): { re: RegExp; maxLength: number; unique: string[] } | undefined {
  const unique = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length)
  if (unique.length === 0) return undefined
  const re = new RegExp(unique.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g')
  return { re, maxLength: unique[0]?.length ?? 0, unique }
}

/** Length of the longest suffix of `text[from..]` that is a proper prefix of one of `secrets`. */
function heldTail(text: string, from: number, secrets: readonly string[], maxLength: number): number {
  for (let k = Math.min(maxLength - 1, text.length - from); k > 0; k--) {
    const tail = text.slice(text.length - k)
    if (secrets.some((s) => s.length > k && s.startsWith(tail))) return k
  }
  return 0
}

/** `text` with every occurrence of every non-empty secret replaced by `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const pattern = secretsPattern(secrets)
  return pattern === undefined ? text : text.replace(pattern.re, MASK)
}

export type Masker = {
  /** Masks what can be decided so far and returns it; keeps back a tail that may start a secret. */
  push(chunk: string): string
  /** Masks and returns everything held back; the masker is then empty (and reusable). */
  flush(): string
}

/** A streaming masker for one log stream. */
export function createMasker(secrets: readonly string[]): Masker {
  const pattern = secretsPattern(secrets)
  if (pattern === undefined) return { push: (chunk) => chunk, flush: () => '' }
  const { re, maxLength, unique } = pattern
  let pending = ''
  return {
    push(chunk) {
      const buffer = pending + chunk
      // A match decision at position p is final once p + maxLength <= buffer.length: every secret
      // that could start at p fits in what we have. A later match may still grow into a longer one.
      const decidedBefore = buffer.length - maxLength + 1
      let out = ''
      let from = 0
      let undecidedMatch = buffer.length
      re.lastIndex = 0
      for (let m = re.exec(buffer); m !== null; m = re.exec(buffer)) {
        if (m.index >= decidedBefore) {
          undecidedMatch = m.index
          break
        }
        out += buffer.slice(from, m.index) + MASK
        from = m.index + m[0].length
        re.lastIndex = from
      }
      const safe = Math.max(from, Math.min(undecidedMatch, buffer.length - heldTail(buffer, from, unique, maxLength)))
      out += buffer.slice(from, safe)
      pending = buffer.slice(safe)
      return out
    },
    flush() {
      const rest = pending.replace(re, MASK)
      pending = ''
      return rest
    },
  }
}
