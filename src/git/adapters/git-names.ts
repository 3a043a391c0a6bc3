/**
 * Validation of every user-influenced value before it reaches a git argv: storage keys, branch names,
 * object ids, revision specifiers and tree paths. Nothing accepted here can start with `-`, so no value
 * can ever be taken for a git option, even where `--end-of-options` is not available.
 */

/** The id of the empty tree in a SHA-1 repository; git knows it without storing it. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** All-zero id: "the ref must not exist" in `update-ref`. */
export function zeroId(like: string): string {
  return '0'.repeat(like.length === 64 ? 64 : 40)
}

/** A full SHA-1 (40) or SHA-256 (64) hex object id, lower case. */
export function isObjectId(value: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value)
}

/** A full or abbreviated hex object id (4 to 64 digits), as git accepts it. */
export function isHexId(value: string): boolean {
  return /^[0-9a-fA-F]{4,64}$/.test(value)
}

/**
 * Whether `name` is a valid branch name, following `git check-ref-format --branch` (applied to
 * `refs/heads/<name>`): no leading `-`, not `HEAD` or `@`, no empty, `.`-leading or `.lock`-ending
 * component, no `..`, `@{`, control characters, space, `~ ^ : ? * [ \`, and no trailing `.` or `/`.
 */
export function isValidBranchName(name: string): boolean {
  if (name === '' || name === 'HEAD' || name === '@' || name.startsWith('-')) return false
  if (name.includes('..') || name.includes('@{') || name.endsWith('.')) return false
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'))
}

/** Throws a plain Error (the model should have refused it already) unless `name` is a valid branch name. */
export function assertBranchName(name: string): void {
  if (!isValidBranchName(name)) throw new Error(`invalid branch name ${JSON.stringify(name)}`)
}

/**
 * Whether `spec` is an acceptable single-commit specifier: a branch, tag, `refs/...` name, `HEAD`, a
 * hex id, optionally with `~n`/`^n`/`@{...}` suffixes. Refused: leading `-` (option injection), ranges
 * (`..`), `:` (`rev:path` and `:/message` searches), whitespace, control characters and `\`.
 */
export function isSafeSpecifier(spec: string): boolean {
  if (spec === '' || spec.length > 1024 || spec.startsWith('-')) return false
  if (spec.includes('..')) return false
  return !/[\x00-\x20\x7f:\\]/.test(spec)
}

/**
 * Normalizes a tree path: strips leading/trailing `/`; '' is the root. Returns null when a component
 * is empty, `.`, `..` or `.git` (any case), or the path contains NUL.
 */
export function normalizePath(path: string): string | null {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '')
  if (trimmed === '') return ''
  if (trimmed.includes('\0')) return null
  const ok = trimmed
    .split('/')
    .every((part) => part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git')
  return ok ? trimmed : null
}

/** Whether `path` is `prefix` itself or inside the folder `prefix` ('' matches everything). */
export function isUnder(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`)
}

/** Storage keys are ours (repository ids), but still never allowed to escape the root directory. */
export function assertStorageKey(key: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(key) || key.includes('..')) {
    throw new Error(`invalid repository storage key ${JSON.stringify(key)}`)
  }
}

/** Validates a git identity date ("<epoch> <+hhmm>") and returns git's unambiguous raw form `@<epoch> <tz>`. */
export function rawDate(date: string): string {
  if (!/^\d{1,15} [+-]\d{4}$/.test(date)) throw new Error(`invalid git date ${JSON.stringify(date)}`)
  return `@${date}`
}

/** Refuses names and e-mails git would mangle in a commit header (`<`, `>`, newline, NUL). */
export function assertIdentityPart(value: string, what: string): void {
  if (/[<>\n\r\0]/.test(value)) throw new Error(`invalid ${what} ${JSON.stringify(value)}`)
}
