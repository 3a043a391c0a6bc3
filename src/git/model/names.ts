/** Pure rules for CodeCommit names. No I/O. */

/** CodeCommit: 1-100 of letters, digits, `.`, `_`, `-`; not ending in `.git`; not `.` or `..`. */
export function isValidRepositoryName(name: string): boolean {
  return /^[\w.-]{1,100}$/.test(name) && !name.toLowerCase().endsWith('.git') && name !== '.' && name !== '..'
}

/**
 * Git's branch-name rules (`git check-ref-format --branch`), applied to the short name:
 * no control characters, space, `~ ^ : ? * [ \`, no `..`, no `@{`, no leading `-`, no component
 * starting with `.` or ending in `.lock`, no trailing `/` or `.`, no `//`, not `@`.
 */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 256) return false
  if (name === '@' || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{') || name.includes('//')) return false
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'))
}

/** A path inside a repository as CodeCommit accepts it: relative, no `..` or `.git` components. */
export function normalizeRepoPath(input: string): string | null {
  const parts = input.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.some((p) => p === '..' || p === '.git' || /[\x00]/.test(p))) return null
  return parts.join('/')
}

/** Tag keys/values as CodeCommit accepts them (`aws:` prefix is reserved). */
export function isSystemTagKey(key: string): boolean {
  return key.toLowerCase().startsWith('aws:')
}
