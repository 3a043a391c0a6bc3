import type { ConsoleApiDeps } from './console-api.ts'
import { type ConsoleRouter, str } from './console-route.ts'
import { AwsError } from '../shared/errors.ts'
import type { CommitInfo } from '../git/ports.ts'
import { GitObjectNotFound } from '../git/ports.ts'
import { CodeCommitErrors as E } from '../git/model/errors.ts'
import { requireRepository } from '../git/service/context.ts'
import { resolveSpecifier } from '../git/service/commits.ts'
import type { RepositoryMetadata } from '../git/service/repositories.ts'

const COMMITS_PAGE = 30
/** Files larger than this are not shown in the browser (GetFile itself refuses more than 6 MB). */
const MAX_SHOWN_FILE = 1024 * 1024

type Metadata = Omit<RepositoryMetadata, 'lastModifiedDate' | 'creationDate'> & { lastModifiedDate: string | Date; creationDate: string | Date }
type Folder = {
  commitId: string
  folderPath: string
  subFolders?: { absolutePath: string; relativePath: string }[]
  files?: { absolutePath: string; relativePath: string }[]
  symbolicLinks?: { absolutePath: string; relativePath: string }[]
  subModules?: { absolutePath: string; relativePath: string }[]
}
type File = { commitId: string; blobId: string; filePath: string; fileMode: string; fileSize: number; fileContent: string }

/** A commits page token: the tip the first page was read from and how many commits to skip, so later pages never shift under a push. */
const pageToken = (commitId: string, skip: number) => Buffer.from(`${commitId}:${skip}`).toString('base64url')
function readPageToken(token: string): { commitId: string; skip: number } {
  const m = /^([0-9a-f]{40}|[0-9a-f]{64}):(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (!m) throw E.invalidContinuationToken()
  return { commitId: m[1]!, skip: Number(m[2]) }
}

/** `<epoch> <+hhmm>` (git's identity date) as an ISO timestamp. */
const isoDate = (gitDate: string) => {
  const epoch = Number(gitDate.split(' ')[0])
  return Number.isFinite(epoch) && gitDate !== '' ? new Date(epoch * 1000).toISOString() : undefined
}

const commitView = (c: CommitInfo) => ({
  commitId: c.commitId,
  summary: c.message.split('\n')[0] ?? '',
  authorName: c.author.name,
  authorEmail: c.author.email,
  date: isoDate(c.author.date),
})

/** Text for the browser, or why it is not shown: NUL bytes or invalid UTF-8 mean binary. */
function textOf(bytes: Buffer): { binary: true } | { binary: false; content: string } {
  if (bytes.subarray(0, 8000).includes(0)) return { binary: true }
  try {
    return { binary: false, content: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }
  } catch {
    return { binary: true }
  }
}

/** `/console/api/repositories*`: repositories, branches, commits and files for the console. */
export function registerRepositoryRoutes(router: ConsoleRouter, deps: ConsoleApiDeps): void {
  const { route, call } = router

  /** Every repository's metadata, by name: ListRepositories, then BatchGetRepositories 100 at a time. */
  route('GET', '/console/api/repositories', async (_request, principal) => {
    const names: string[] = []
    let nextToken: string | undefined
    do {
      const page = (await call(deps.codecommit, 'ListRepositories', { sortBy: 'repositoryName', order: 'ascending', nextToken }, principal)) as { repositories?: { repositoryName: string }[]; nextToken?: string }
      names.push(...(page.repositories ?? []).map((r) => r.repositoryName))
      nextToken = page.nextToken
    } while (nextToken)
    const repositories: Metadata[] = []
    for (let i = 0; i < names.length; i += 100) {
      const batch = (await call(deps.codecommit, 'BatchGetRepositories', { repositoryNames: names.slice(i, i + 100) }, principal)) as { repositories?: Metadata[] }
      repositories.push(...(batch.repositories ?? []))
    }
    return { repositories: repositories.sort((a, b) => a.repositoryName.localeCompare(b.repositoryName)) }
  })

  /** Metadata (with the clone URL) and every branch name. */
  route('GET', '/console/api/repositories/:name', async (request, principal) => {
    const repositoryName = request.params.name ?? ''
    const { repositoryMetadata } = (await call(deps.codecommit, 'GetRepository', { repositoryName }, principal)) as { repositoryMetadata: Metadata }
    const branches: string[] = []
    let nextToken: string | undefined
    do {
      const page = (await call(deps.codecommit, 'ListBranches', { repositoryName, nextToken }, principal)) as { branches?: string[]; nextToken?: string }
      branches.push(...(page.branches ?? []))
      nextToken = page.nextToken
    } while (nextToken)
    return { repository: repositoryMetadata, branches: branches.sort() }
  })

  /** 30 commits of `ref` (default branch when absent), newest first; `nextToken` continues from the same tip. */
  route('GET', '/console/api/repositories/:name/commits', async (request) => {
    const repositoryName = request.params.name ?? ''
    const repo = await requireRepository(deps.git, repositoryName)
    const token = str(request.query.nextToken)
    let tip: string
    let skip = 0
    if (token) ({ commitId: tip, skip } = readPageToken(token))
    else tip = await resolveSpecifier(deps.git, repo, str(request.query.ref) || (await deps.git.repos.defaultBranch(repo.id)), E.commitDoesNotExist)
    let commits: CommitInfo[]
    try {
      commits = await deps.git.repos.log(repo.id, tip, { skip, limit: COMMITS_PAGE + 1 })
    } catch (err) {
      if (err instanceof GitObjectNotFound) throw E.commitDoesNotExist(tip)
      throw err
    }
    const more = commits.length > COMMITS_PAGE
    return {
      commitId: tip,
      offset: skip,
      commits: commits.slice(0, COMMITS_PAGE).map(commitView),
      nextToken: more ? pageToken(tip, skip + COMMITS_PAGE) : undefined,
    }
  })

  /** Folders, files, symlinks and submodules at `path` ('' = root) of `ref`, folders first (CodeCommit GetFolder). */
  route('GET', '/console/api/repositories/:name/tree', async (request, principal) => {
    const folder = (await call(
      deps.codecommit,
      'GetFolder',
      { repositoryName: request.params.name ?? '', folderPath: str(request.query.path) || '/', commitSpecifier: str(request.query.ref) || undefined },
      principal,
    )) as Folder
    const entries = (type: string, list: { absolutePath: string; relativePath: string }[] | undefined) =>
      (list ?? []).map((e) => ({ type, name: e.relativePath, path: e.absolutePath })).sort((a, b) => a.name.localeCompare(b.name))
    return {
      commitId: folder.commitId,
      path: folder.folderPath === '/' ? '' : folder.folderPath,
      entries: [...entries('folder', folder.subFolders), ...entries('submodule', folder.subModules), ...entries('file', folder.files), ...entries('symlink', folder.symbolicLinks)],
    }
  })

  /** One file of `ref` (CodeCommit GetFile): its text, or `binary`/`tooLarge` (over 1 MB) without content. */
  route('GET', '/console/api/repositories/:name/file', async (request, principal) => {
    const filePath = str(request.query.path)
    let file: File
    try {
      file = (await call(deps.codecommit, 'GetFile', { repositoryName: request.params.name ?? '', filePath, commitSpecifier: str(request.query.ref) || undefined }, principal)) as File
    } catch (err) {
      if (err instanceof AwsError && err.code === 'FileTooLargeException') return { path: filePath, tooLarge: true, binary: false }
      throw err
    }
    const base = { path: file.filePath, commitId: file.commitId, blobId: file.blobId, fileMode: file.fileMode, size: file.fileSize }
    if (file.fileSize > MAX_SHOWN_FILE) return { ...base, tooLarge: true, binary: false }
    return { ...base, tooLarge: false, ...textOf(Buffer.from(file.fileContent, 'base64')) }
  })
}
