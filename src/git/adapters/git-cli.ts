/**
 * `GitRepos` on top of the real git binary: bare repositories at `<rootDir>/<key>.git`, plumbing
 * commands only, argv arrays (never a shell), a clean environment, and user values validated so that
 * none can become a git option (see `git-names.ts`).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { CommitFilesRequest, CommitFilesResult, CommitInfo, Difference, GitRepos, TreeEntry } from '../ports.ts'
import { GitObjectNotFound } from '../ports.ts'
import { commitFiles } from './git-commit-files.ts'
import { logCommits } from './git-log.ts'
import { EMPTY_TREE, assertBranchName, assertStorageKey, isHexId, isObjectId, isSafeSpecifier, isUnder, isValidBranchName, normalizePath } from './git-names.ts'
import { parseCommit, parseDiffTree, parseLsTree } from './git-parse.ts'
import { compareAndSwapRef, readRef } from './git-refs.ts'
import { defaultGitProcessSettings, firstLine, runGit, type GitProcessSettings, type GitRunner } from './run-git.ts'

/** Settings applied when a repository is created (smart HTTP push, fetch by id, force pushes allowed). */
const REPO_CONFIG: readonly (readonly [string, string])[] = [
  ['http.receivepack', 'true'],
  ['uploadpack.allowAnySHA1InWant', 'true'],
  ['receive.denyNonFastForwards', 'false'],
  ['core.logAllRefUpdates', 'false'],
  ['gc.autoDetach', 'false'],
]

type ObjectKind = 'commit' | 'tree' | 'blob' | 'tag'

/** `GitRepos` implemented with the git CLI. Stateless apart from its settings; safe to share. */
export class GitCli implements GitRepos {
  readonly rootDir: string
  readonly #settings: GitProcessSettings

  constructor(rootDir: string, settings: Partial<GitProcessSettings> = {}) {
    this.rootDir = resolve(rootDir)
    this.#settings = { ...defaultGitProcessSettings, ...settings }
  }

  pathOf(key: string): string {
    assertStorageKey(key)
    return join(this.rootDir, `${key}.git`)
  }

  /** Creates the repository in a temporary directory and renames it into place, so it appears complete. */
  async create(key: string): Promise<void> {
    const target = this.pathOf(key)
    if (await this.exists(key)) return
    await mkdir(this.rootDir, { recursive: true })
    const staging = join(this.rootDir, `.creating-${key}-${randomBytes(6).toString('hex')}`)
    try {
      await runGit(this.#settings, null, ['init', '--bare', '-q', '--initial-branch=main', staging])
      const git = this.#git(staging)
      for (const [name, value] of REPO_CONFIG) await git(['config', name, value])
      await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
        // Lost a race with a concurrent create of the same key: theirs is as good as ours.
        if (!(await this.exists(key))) throw error
      })
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { recursive: true, force: true })
  }

  async exists(key: string): Promise<boolean> {
    const head = await stat(join(this.pathOf(key), 'HEAD')).catch(() => null)
    return head?.isFile() ?? false
  }

  async listBranches(key: string): Promise<Map<string, string>> {
    const out = await this.#repo(key)(['for-each-ref', '--format=%(refname:strip=2)%00%(objectname)', 'refs/heads/'])
    const branches = new Map<string, string>()
    for (const line of out.stdout.toString('utf8').split('\n')) {
      const [name, id] = line.split('\0')
      if (name && id) branches.set(name, id)
    }
    return branches
  }

  async branchTip(key: string, branch: string): Promise<string | null> {
    if (!isValidBranchName(branch)) return null
    return readRef(this.#repo(key), `refs/heads/${branch}`)
  }

  async defaultBranch(key: string): Promise<string> {
    const ref = firstLine(await this.#repo(key)(['symbolic-ref', 'HEAD']))
    if (!ref.startsWith('refs/heads/')) throw new Error(`HEAD of ${key} points outside refs/heads: ${ref}`)
    return ref.slice('refs/heads/'.length)
  }

  async setDefaultBranch(key: string, branch: string): Promise<void> {
    assertBranchName(branch)
    await this.#repo(key)(['symbolic-ref', 'HEAD', `refs/heads/${branch}`])
  }

  async updateBranch(key: string, branch: string, next: string | null, expected: string | null): Promise<void> {
    assertBranchName(branch)
    await compareAndSwapRef(this.#repo(key), `refs/heads/${branch}`, next, expected)
  }

  async resolveCommit(key: string, specifier: string): Promise<string> {
    if (!isSafeSpecifier(specifier)) throw new GitObjectNotFound(`commit ${JSON.stringify(specifier)}`)
    const id = await readRef(this.#repo(key), specifier)
    if (id === null) throw new GitObjectNotFound(`commit ${specifier}`)
    return id
  }

  async getCommit(key: string, commitId: string): Promise<CommitInfo> {
    if (!isHexId(commitId)) throw new GitObjectNotFound(`commit ${commitId}`)
    // `--batch` reads the name from stdin and answers "<full id> <type> <size>\n<contents>\n".
    const out = (await this.#repo(key)(['cat-file', '--batch'], { input: `${commitId}^{commit}\n` })).stdout
    const newline = out.indexOf(0x0a)
    const [id, type, size] = out.subarray(0, newline).toString('utf8').split(' ')
    if (type !== 'commit' || id === undefined || !isObjectId(id)) throw new GitObjectNotFound(`commit ${commitId}`)
    return parseCommit(id, out.subarray(newline + 1, newline + 1 + Number(size)))
  }

  log(key: string, commitId: string, page: { skip: number; limit: number }): Promise<CommitInfo[]> {
    return logCommits(this.#repo(key), commitId, page)
  }

  async objectType(key: string, objectId: string): Promise<ObjectKind | null> {
    return (await this.#inspect(key, objectId))?.type ?? null
  }

  async entryAt(key: string, commitId: string, path: string): Promise<TreeEntry | null> {
    const git = this.#repo(key)
    const commit = commitish(commitId)
    const normalized = normalizePath(path)
    if (normalized === '') {
      const tree = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^{tree}`], { okCodes: [0, 1, 128] })
      if (tree.code !== 0) throw new GitObjectNotFound(`commit ${commitId}`)
      return { path: '', objectId: firstLine(tree), kind: 'tree', mode: '040000' }
    }
    if (normalized === null) return null
    const out = await git(['ls-tree', '-z', '-l', '--end-of-options', commit, '--', normalized], { okCodes: [0, 128] })
    if (out.code !== 0) throw new GitObjectNotFound(`commit ${commitId}`)
    return parseLsTree(out.stdout).find((entry) => entry.path === normalized) ?? null
  }

  async listFolder(key: string, commitId: string, path: string): Promise<TreeEntry[]> {
    const folder = await this.entryAt(key, commitId, path)
    if (!folder || folder.kind !== 'tree') throw new GitObjectNotFound(`folder ${path}`)
    const out = await this.#repo(key)(['ls-tree', '-z', '-l', '--end-of-options', folder.objectId])
    return parseLsTree(out.stdout, folder.path)
  }

  async readBlob(key: string, blobId: string): Promise<Buffer> {
    if (!isHexId(blobId)) throw new GitObjectNotFound(`blob ${blobId}`)
    const out = await this.#repo(key)(['cat-file', 'blob', '--end-of-options', blobId], { okCodes: [0, 128] })
    if (out.code !== 0) throw new GitObjectNotFound(`blob ${blobId}`)
    return out.stdout
  }

  async blobSize(key: string, blobId: string): Promise<number> {
    const info = await this.#inspect(key, blobId)
    if (info?.type !== 'blob') throw new GitObjectNotFound(`blob ${blobId}`)
    return info.size
  }

  async diff(key: string, before: string | null, after: string, beforePath?: string, afterPath?: string): Promise<Difference[]> {
    const from = before === null ? EMPTY_TREE : commitish(before)
    const to = commitish(after)
    const beforePrefix = beforePath === undefined ? '' : normalizePath(beforePath)
    const afterPrefix = afterPath === undefined ? '' : normalizePath(afterPath)
    if (beforePrefix === null || afterPrefix === null) return []
    const filters = [beforePrefix, afterPrefix].filter((prefix) => prefix !== '')
    const args = ['diff-tree', '-r', '-z', '--raw', '--no-renames', '--end-of-options', from, to]
    const out = await this.#repo(key)(filters.length === 0 ? args : [...args, '--', ...filters], { okCodes: [0, 128] })
    if (out.code !== 0) {
      throw new GitObjectNotFound(`commit ${(await this.objectType(key, after)) === 'commit' ? before : after}`)
    }
    const differences = parseDiffTree(out.stdout)
    if (filters.length < 2) return differences
    // Both filters given: the old side must be under `beforePath` or the new side under `afterPath`.
    return differences.filter(
      (d) => (d.before !== undefined && isUnder(d.before.path, beforePrefix)) || (d.after !== undefined && isUnder(d.after.path, afterPrefix)),
    )
  }

  commitFiles(key: string, request: CommitFilesRequest): Promise<CommitFilesResult> {
    return commitFiles(this.#repo(key), request)
  }

  /** Type and size of an object, or null when absent (ids are passed through stdin). */
  async #inspect(key: string, objectId: string): Promise<{ type: ObjectKind; size: number } | null> {
    if (!isHexId(objectId)) return null
    const out = await this.#repo(key)(['cat-file', '--batch-check'], { input: `${objectId}\n` })
    const [, type, size] = firstLine(out).split(' ')
    if (type !== 'commit' && type !== 'tree' && type !== 'blob' && type !== 'tag') return null
    return { type, size: Number(size) }
  }

  #repo(key: string): GitRunner {
    return this.#git(this.pathOf(key))
  }

  #git(repoPath: string): GitRunner {
    return (args, options) => runGit(this.#settings, repoPath, args, options)
  }
}

/** A full or abbreviated commit id, peeled so that a tree or blob id is refused; else GitObjectNotFound. */
function commitish(commitId: string): string {
  if (!isHexId(commitId)) throw new GitObjectNotFound(`commit ${commitId}`)
  return `${commitId}^{commit}`
}

/** Creates the git CLI adapter storing bare repositories at `<rootDir>/<key>.git`. */
export function createGitRepos(rootDir: string, settings: Partial<GitProcessSettings> = {}): GitRepos {
  return new GitCli(rootDir, settings)
}
