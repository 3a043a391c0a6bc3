/**
 * Ref reads and atomic compare-and-swap updates with `git update-ref`. Callers pass full ref names they
 * built from validated branch names (`refs/heads/<name>`), so a ref never starts with `-`.
 */
import { GitObjectNotFound, GitRefConflict } from '../ports.ts'
import { isObjectId, zeroId } from './git-names.ts'
import { firstLine, type GitRunner } from './run-git.ts'

/** The commit a ref points to, or null when the ref does not exist. */
export async function readRef(git: GitRunner, ref: string): Promise<string | null> {
  const result = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { okCodes: [0, 1, 128] })
  const id = firstLine(result)
  return result.code === 0 && isObjectId(id) ? id : null
}

const CONFLICT = /but expected|reference already exists|unable to resolve reference|cannot lock ref|File exists/

/**
 * Moves `ref` from `expected` (null: must not exist) to `next` (null: delete) atomically. Throws
 * `GitRefConflict` when the ref holds another value, `GitObjectNotFound` when `next` is not a commit.
 */
export async function compareAndSwapRef(git: GitRunner, ref: string, next: string | null, expected: string | null): Promise<void> {
  for (const id of [next, expected]) {
    if (id !== null && !isObjectId(id)) throw new GitObjectNotFound(`commit ${id}`)
  }
  if (next === null && expected === null) {
    // "Delete a ref that must not exist": nothing to do unless it exists after all.
    if ((await readRef(git, ref)) !== null) throw new GitRefConflict(ref)
    return
  }
  const args =
    next === null
      ? ['update-ref', '-d', '--end-of-options', ref, expected ?? '']
      : ['update-ref', '--end-of-options', ref, next, expected ?? zeroId(next)]
  const result = await git(args, { okCodes: [0, 1, 128] })
  if (result.code === 0) return
  if (/nonexistent object|non-commit object/.test(result.stderr)) throw new GitObjectNotFound(`commit ${next}`)
  // Another writer won (the old value differs) or holds the ref's lock right now (`ref.lock` exists).
  if (CONFLICT.test(result.stderr) || (await readRef(git, ref)) !== expected) throw new GitRefConflict(ref)
  throw new Error(`git update-ref ${ref} failed: ${result.stderr.trim()}`)
}
