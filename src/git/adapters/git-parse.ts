/**
 * Parsers of git plumbing output (`cat-file commit`, `ls-tree -z -l`, `diff-tree -z --raw`,
 * `ls-files -s -z`). Pure functions over bytes, so they are tested without spawning git.
 */
import type { CommitInfo, Difference, GitIdentity, TreeEntry } from '../ports.ts'

/** Parses a raw commit object (as `git cat-file commit` prints it); the message is kept byte for byte. */
export function parseCommit(commitId: string, raw: Buffer): CommitInfo {
  const text = raw.toString('utf8')
  const split = text.indexOf('\n\n')
  const headerText = split === -1 ? text : text.slice(0, split)
  const message = split === -1 ? '' : text.slice(split + 2)
  let treeId = ''
  const parents: string[] = []
  let author: GitIdentity | null = null
  let committer: GitIdentity | null = null
  for (const line of headerText.split('\n')) {
    if (line.startsWith(' ')) continue // continuation of a multi-line header (gpgsig, mergetag)
    const space = line.indexOf(' ')
    const name = space === -1 ? line : line.slice(0, space)
    const value = space === -1 ? '' : line.slice(space + 1)
    if (name === 'tree') treeId = value
    else if (name === 'parent') parents.push(value)
    else if (name === 'author') author = parseIdentity(value)
    else if (name === 'committer') committer = parseIdentity(value)
  }
  if (treeId === '' || !author || !committer) throw new Error(`malformed commit object ${commitId}`)
  return { commitId, treeId, parents, message, author, committer }
}

/** Parses `Name <email> <epoch> <tz>`; tolerant of an empty name or a missing date. */
export function parseIdentity(value: string): GitIdentity {
  const open = value.indexOf('<')
  const close = value.lastIndexOf('>')
  if (open === -1 || close < open) return { name: value.trim(), email: '', date: '' }
  return {
    name: value.slice(0, open).trim(),
    email: value.slice(open + 1, close),
    date: value.slice(close + 1).trim(),
  }
}

const KINDS = new Set(['blob', 'tree', 'commit'])

/**
 * Parses `git ls-tree -z -l` output (`<mode> <type> <id> <size>\t<path>` records). `prefix` is
 * prepended (with `/`) when listing a subtree by its id, so paths stay relative to the repository root.
 */
export function parseLsTree(stdout: Buffer, prefix = ''): TreeEntry[] {
  const entries: TreeEntry[] = []
  for (const record of stdout.toString('utf8').split('\0')) {
    if (record === '') continue
    const tab = record.indexOf('\t')
    const [mode, kind, objectId, size] = record.slice(0, tab).split(/ +/)
    const name = record.slice(tab + 1)
    if (tab === -1 || mode === undefined || objectId === undefined || kind === undefined || !KINDS.has(kind)) {
      throw new Error(`unexpected ls-tree record ${JSON.stringify(record)}`)
    }
    const entry: TreeEntry = {
      path: prefix === '' ? name : `${prefix}/${name}`,
      objectId,
      kind: kind as TreeEntry['kind'],
      mode,
    }
    if (kind === 'blob' && size !== undefined && size !== '-') entry.size = Number(size)
    entries.push(entry)
  }
  return entries
}

const ZERO_MODE = '000000'

/**
 * Parses `git diff-tree -r -z --raw --no-renames` output (`:<m1> <m2> <id1> <id2> <status>\0<path>\0`).
 * A type change (T, e.g. file to symlink) is reported as a modification.
 */
export function parseDiffTree(stdout: Buffer): Difference[] {
  const tokens = stdout.toString('utf8').split('\0')
  const differences: Difference[] = []
  for (let i = 0; i < tokens.length; i++) {
    const header = tokens[i]
    if (header === undefined || !header.startsWith(':')) continue
    const path = tokens[++i] ?? ''
    const [oldMode, newMode, oldId, newId, status] = header.slice(1).split(' ')
    if (oldMode === undefined || newMode === undefined || oldId === undefined || newId === undefined || status === undefined) {
      throw new Error(`unexpected diff-tree record ${JSON.stringify(header)}`)
    }
    const before = { blobId: oldId, path, mode: oldMode }
    const after = { blobId: newId, path, mode: newMode }
    if (status === 'A' || oldMode === ZERO_MODE) differences.push({ changeType: 'A', after })
    else if (status === 'D' || newMode === ZERO_MODE) differences.push({ changeType: 'D', before })
    else differences.push({ changeType: 'M', before, after })
  }
  return differences
}

/** One stage-0 entry of the index. */
export type IndexEntry = { mode: string; objectId: string }

/** Parses `git ls-files -s -z` output (`<mode> <id> <stage>\t<path>` records) into path -> entry. */
export function parseLsFiles(stdout: Buffer): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>()
  for (const record of stdout.toString('utf8').split('\0')) {
    const tab = record.indexOf('\t')
    if (tab === -1) continue
    const [mode, objectId] = record.slice(0, tab).split(' ')
    if (mode !== undefined && objectId !== undefined) entries.set(record.slice(tab + 1), { mode, objectId })
  }
  return entries
}
