import type { ChangeEvent } from './api.ts'

/** The hash of a repository page; empty values are left out, so `#/repositories/app` is the default branch's root. */
export function repositoryHash(name: string, view: { ref?: string; path?: string; file?: string } = {}): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(view)) if (value) query.set(key, value)
  const q = query.toString()
  return `#/repositories/${encodeURIComponent(name)}${q ? `?${q}` : ''}`
}

/** A push (or API commit, branch change) to this repository. */
export const isRepositoryEvent = (name?: string) => (e: ChangeEvent) =>
  e.type === 'codecommit.ReferenceUpdated' && (name === undefined || e.detail.repositoryName === name)
