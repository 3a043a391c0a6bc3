/**
 * Ports of the git context: what the CodeCommit use cases need from the git object store.
 *
 * `GitRepos` addresses bare repositories by an opaque storage key (the repository id, so a rename never
 * moves anything on disk). Every method validates nothing about user intent (the model does that) but
 * MUST never let a user value become a git option or reach a shell: arguments are passed as argv
 * entries, refs/specifiers starting with `-` are refused, and paths are fed through stdin or after `--`.
 *
 * Errors: methods throw `GitObjectNotFound` when a commit/tree/blob/path/ref does not resolve and
 * `GitRefConflict` when a compare-and-swap ref update finds another value. Any other failure is a bug
 * or an environment problem and surfaces as a plain Error.
 *
 * Concurrency: methods may run concurrently on the same repository; ref updates are atomic
 * compare-and-swap (`git update-ref <ref> <new> <old>`), so two writers never both win.
 */

export type FileMode = 'NORMAL' | 'EXECUTABLE' | 'SYMLINK'

export type GitIdentity = { name: string; email: string; date: string /* git format: "<epoch> <+hhmm>" */ }

export type CommitInfo = {
  commitId: string
  treeId: string
  parents: string[]
  message: string
  author: GitIdentity
  committer: GitIdentity
}

export type TreeEntry = {
  /** Path relative to the repository root, no leading slash. */
  path: string
  /** Git object id of the blob, tree or submodule commit. */
  objectId: string
  kind: 'blob' | 'tree' | 'commit'
  /** Raw git mode: 100644, 100755, 120000, 040000, 160000. */
  mode: string
  /** Bytes, for blobs. */
  size?: number
}

export type Difference = {
  changeType: 'A' | 'M' | 'D'
  before?: { blobId: string; path: string; mode: string }
  after?: { blobId: string; path: string; mode: string }
}

export type RefUpdate = { ref: string; oldCommitId: string | null; newCommitId: string | null }

/** A file change for `commitFiles`. `content` replaces/creates; `delete` removes; `mode` only re-modes. */
export type FileChange =
  | { kind: 'put'; path: string; content: Uint8Array; mode?: FileMode }
  | { kind: 'delete'; path: string }
  | { kind: 'mode'; path: string; mode: FileMode }

export type CommitFilesRequest = {
  branch: string
  /** Expected current tip of `branch`; null when the branch (or the whole repo) does not exist yet. */
  parentCommitId: string | null
  changes: FileChange[]
  message: string
  author: GitIdentity
  committer: GitIdentity
}

export type CommitFilesResult = {
  commitId: string
  treeId: string
  filesAdded: { path: string; blobId: string; mode: string }[]
  filesUpdated: { path: string; blobId: string; mode: string }[]
  filesDeleted: { path: string; blobId: string; mode: string }[]
}

export interface GitRepos {
  /** Absolute path of the bare repository for `key` (for git smart HTTP). */
  pathOf(key: string): string
  /** Creates an empty bare repository with HEAD -> refs/heads/main. Idempotent. */
  create(key: string): Promise<void>
  /** Deletes the repository directory. Idempotent. */
  remove(key: string): Promise<void>
  exists(key: string): Promise<boolean>

  /** Branch name -> tip commit id, sorted by name. */
  listBranches(key: string): Promise<Map<string, string>>
  /** Tip commit of a branch, or null if the branch does not exist. */
  branchTip(key: string, branch: string): Promise<string | null>
  /** The branch HEAD points to (even when it has no commits yet). */
  defaultBranch(key: string): Promise<string>
  setDefaultBranch(key: string, branch: string): Promise<void>
  /** Compare-and-swap: `expected` null means "must not exist"; `next` null deletes. Throws GitRefConflict. */
  updateBranch(key: string, branch: string, next: string | null, expected: string | null): Promise<void>

  /**
   * Resolves a commit specifier (full or abbreviated id, branch name, tag, `refs/...`, `HEAD`) to a full
   * commit id; throws GitObjectNotFound.
   */
  resolveCommit(key: string, specifier: string): Promise<string>
  getCommit(key: string, commitId: string): Promise<CommitInfo>
  /**
   * Commits reachable from `commitId` (a full or abbreviated id), newest first (git's default order),
   * skipping the first `skip` and returning at most `limit`: git stops walking after `skip + limit`
   * commits, so no call loads the whole history. Throws GitObjectNotFound when `commitId` is not a commit.
   */
  log(key: string, commitId: string, page: { skip: number; limit: number }): Promise<CommitInfo[]>
  /** Type of an object id, or null when absent. */
  objectType(key: string, objectId: string): Promise<'commit' | 'tree' | 'blob' | 'tag' | null>

  /** Entry at `path` in the commit's tree ('' is the root tree). Null when the path does not exist. */
  entryAt(key: string, commitId: string, path: string): Promise<TreeEntry | null>
  /** Direct children of a tree path ('' = root). Throws GitObjectNotFound when not a folder. */
  listFolder(key: string, commitId: string, path: string): Promise<TreeEntry[]>
  /** Blob bytes (whole; callers enforce the 6 MB limits with `entryAt(...).size` first). */
  readBlob(key: string, blobId: string): Promise<Buffer>
  blobSize(key: string, blobId: string): Promise<number>

  /** Recursive file-level differences; `before` null means "against the empty tree". Optional path filters. */
  diff(key: string, before: string | null, after: string, beforePath?: string, afterPath?: string): Promise<Difference[]>

  /** Builds a commit from the parent's tree plus changes and moves the branch (CAS). Throws GitRefConflict. */
  commitFiles(key: string, request: CommitFilesRequest): Promise<CommitFilesResult>
}

export class GitObjectNotFound extends Error {
  constructor(what: string) {
    super(`${what} not found`)
    this.name = 'GitObjectNotFound'
  }
}

export class GitRefConflict extends Error {
  constructor(ref: string) {
    super(`ref ${ref} changed concurrently`)
    this.name = 'GitRefConflict'
  }
}
