/**
 * `commitFiles` with plumbing only, no work tree: a private temporary index (`GIT_INDEX_FILE`) is
 * loaded from the parent (`read-tree`), blobs are written from stdin (`hash-object -w --stdin`), the
 * changes are applied with `update-index -z --index-info` (paths only ever travel through stdin), then
 * `write-tree`, `commit-tree` and a compare-and-swap `update-ref` move the branch.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommitFilesRequest, CommitFilesResult, FileChange, FileMode, GitIdentity } from '../ports.ts'
import { GitObjectNotFound, GitRefConflict } from '../ports.ts'
import { EMPTY_TREE, assertBranchName, assertIdentityPart, isObjectId, normalizePath, rawDate, zeroId } from './git-names.ts'
import { parseDiffTree, parseLsFiles, type IndexEntry } from './git-parse.ts'
import { compareAndSwapRef, readRef } from './git-refs.ts'
import { firstLine, type GitRunner } from './run-git.ts'

const MODES: Record<FileMode, string> = { NORMAL: '100644', EXECUTABLE: '100755', SYMLINK: '120000' }

type Normalized = FileChange & { path: string }

/** Builds a commit from the parent's tree plus `request.changes` and moves the branch (see GitRepos). */
export async function commitFiles(git: GitRunner, request: CommitFilesRequest): Promise<CommitFilesResult> {
  assertBranchName(request.branch)
  const ref = `refs/heads/${request.branch}`
  const parent = request.parentCommitId
  if (parent !== null && !isObjectId(parent)) throw new GitObjectNotFound(`commit ${parent}`)
  const changes = request.changes.map(normalizeChange)
  const identityEnv = { ...identity('AUTHOR', request.author), ...identity('COMMITTER', request.committer) }
  // Fail fast on a stale parent; the final update-ref is still the authoritative check.
  if ((await readRef(git, ref)) !== parent) throw new GitRefConflict(ref)

  const dir = await mkdtemp(join(tmpdir(), 'slipway-index-'))
  try {
    const env = { GIT_INDEX_FILE: join(dir, 'index') }
    if (parent !== null) await git(['read-tree', '--end-of-options', parent], { env })
    const existing = parent === null ? new Map<string, IndexEntry>() : await indexEntries(git, env, changes)
    const lines: string[] = []
    for (const change of changes) lines.push(await indexInfoLine(git, change, existing.get(change.path)))
    await git(['update-index', '-z', '--index-info'], { env, input: lines.join('') })
    const treeId = firstLine(await git(['write-tree'], { env }))

    const report = summarize(await git(['diff-tree', '-r', '-z', '--raw', '--no-renames', '--end-of-options', parent ?? EMPTY_TREE, treeId]), changes)
    const parentArgs = parent === null ? [] : ['-p', parent]
    const commitId = firstLine(
      await git(['commit-tree', treeId, ...parentArgs, '-F', '-'], { env: identityEnv, input: request.message }),
    )
    await compareAndSwapRef(git, ref, commitId, parent)
    return { commitId, treeId, ...report }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function normalizeChange(change: FileChange): Normalized {
  const path = normalizePath(change.path)
  if (path === null || path === '') throw new Error(`invalid file path ${JSON.stringify(change.path)}`)
  return { ...change, path }
}

function identity(role: 'AUTHOR' | 'COMMITTER', who: GitIdentity): Record<string, string> {
  assertIdentityPart(who.name, `${role.toLowerCase()} name`)
  assertIdentityPart(who.email, `${role.toLowerCase()} email`)
  return { [`GIT_${role}_NAME`]: who.name, [`GIT_${role}_EMAIL`]: who.email, [`GIT_${role}_DATE`]: rawDate(who.date) }
}

/** Current index entries (exact paths only) for the paths the request touches. */
async function indexEntries(git: GitRunner, env: Record<string, string>, changes: Normalized[]): Promise<Map<string, IndexEntry>> {
  const paths = [...new Set(changes.map((change) => change.path))]
  const all = parseLsFiles((await git(['ls-files', '-s', '-z', '--', ...paths], { env })).stdout)
  const wanted = new Map<string, IndexEntry>()
  for (const path of paths) {
    const entry = all.get(path)
    if (entry) wanted.set(path, entry)
  }
  return wanted
}

/** The `update-index -z --index-info` record (`<mode> <id>\t<path>\0`) for one change. */
async function indexInfoLine(git: GitRunner, change: Normalized, current: IndexEntry | undefined): Promise<string> {
  if (change.kind === 'put') {
    const blobId = firstLine(await git(['hash-object', '-w', '--no-filters', '--stdin'], { input: change.content }))
    const mode = change.mode ? MODES[change.mode] : (current?.mode ?? MODES.NORMAL)
    return `${mode} ${blobId}\t${change.path}\0`
  }
  if (!current) throw new GitObjectNotFound(`file ${change.path}`)
  if (change.kind === 'delete') return `0 ${zeroId(current.objectId)}\t${change.path}\0`
  return `${MODES[change.mode]} ${current.objectId}\t${change.path}\0`
}

/**
 * Files added/updated/deleted, from the diff between the parent tree and the new one. A deletion the
 * request did not ask for means `update-index` replaced a file by a folder (or the reverse): refused.
 */
function summarize(diffOutput: { stdout: Buffer }, changes: Normalized[]): Omit<CommitFilesResult, 'commitId' | 'treeId'> {
  const deletes = new Set(changes.filter((change) => change.kind === 'delete').map((change) => change.path))
  const report: Omit<CommitFilesResult, 'commitId' | 'treeId'> = { filesAdded: [], filesUpdated: [], filesDeleted: [] }
  for (const difference of parseDiffTree(diffOutput.stdout)) {
    if (difference.changeType === 'D' && difference.before) {
      if (!deletes.has(difference.before.path)) {
        throw new Error(`file/folder conflict: ${JSON.stringify(difference.before.path)} would be replaced implicitly`)
      }
      report.filesDeleted.push(difference.before)
    } else if (difference.after) {
      const list = difference.changeType === 'A' ? report.filesAdded : report.filesUpdated
      list.push(difference.after)
    }
  }
  return report
}
