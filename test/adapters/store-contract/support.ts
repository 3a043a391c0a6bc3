import assert from 'node:assert/strict'
import type { Store } from '../../../src/infra/store.ts'

/** Opens a fresh, empty store. Each case opens its own and closes it when done. */
export type MakeStore = () => Store | Promise<Store>

/**
 * A fixed instant: epoch milliseconds far beyond 2^31 (and 2^32), with a millisecond part, so an
 * adapter that keeps 32-bit integers, seconds, or returns BIGINT as a string fails.
 */
export const T0 = new Date('2024-03-01T12:00:00.123Z')
/** `T0` plus `ms`. */
export const at = (ms: number): Date => new Date(T0.getTime() + ms)
export const FAR_FUTURE = new Date('2100-01-01T00:00:00.999Z')

/**
 * Names in the order every listing sorted by name must return them: byte-wise on UTF-8, case-sensitive
 * (SQLite's BINARY collation, PostgreSQL's `COLLATE "C"`). Upper case before lower case ('B', 'Z' before
 * 'a'), '-' before '_', a prefix before its extensions, and U+FF5E (three UTF-8 bytes) before U+1F600
 * (four bytes), although UTF-16 order — JavaScript's default `sort()` — puts them the other way round.
 */
export const BYTE_ORDER: readonly string[] = ['Beta', 'Zeta', 'alpha', 'beta', 'beta-2', 'beta_2', 'éclair', '～wide', '😀smile']
/** The same names in a fixed shuffled order, to insert them in. */
export const SHUFFLED: readonly string[] = ['beta_2', 'éclair', 'Zeta', '😀smile', 'alpha', 'beta', '～wide', 'Beta', 'beta-2']

/** Text a store must keep exactly: accents, CJK, an astral emoji, quotes, a backslash, control characters, ANSI colours. */
export const TRICKY = 'fête – 日本語 😀 "quoted" back\\slash\n\ttab \u001b[31mred\u001b[0m'

/** A nested JSON value with unicode keys and values, numbers beyond 2^32, empty containers and a null. */
export const NESTED = {
  zulu: TRICKY,
  'ключ 🔑': { deeper: [{ n: 9_007_199_254_740_991 }, { n: -42.5 }, { n: 0.1 }], empty: {}, none: [] },
  alpha: [true, false, null, '', 'ünïcödé'],
}

/** Drops object keys whose value is undefined, recursively: an optional field may be absent or undefined. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]))
  }
  return value
}

/**
 * Asserts a record read back is the one written, as a caller sees it: an optional field that was not
 * set reads back undefined (never null), Dates are Dates with the same milliseconds, numbers are numbers.
 */
export function assertRecord(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(withoutUndefined(actual), withoutUndefined(expected), message)
}

/** Asserts a JSON value reads back exactly, key order included (as the API returns what the user sent). */
export function assertSameJson(actual: unknown, expected: unknown, message?: string): void {
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), message ?? 'JSON reads back exactly, key order included')
}
