import { GitObjectNotFound } from '../ports.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import { normalizeRepoPath } from '../model/names.ts'
import { type GitContext, requireRepository } from './context.ts'
import { resolveSpecifier } from './commits.ts'
import { fileModeOf } from './file-modes.ts'

const MAX_BLOB = 6 * 1024 * 1024

/** The commit a read addresses: the given specifier, else the default branch's tip. */
async function commitFor(ctx: GitContext, repoName: string, spec: string | undefined) {
  const repo = await requireRepository(ctx, repoName)
  const specifier = spec ?? (await ctx.repos.defaultBranch(repo.id))
  return { repo, commitId: await resolveSpecifier(ctx, repo, specifier, E.commitDoesNotExist) }
}

function cleanPath(p: string | undefined): string {
  if (p === undefined) throw E.pathRequired()
  const n = normalizeRepoPath(p)
  if (n === null) throw E.invalidPath(p)
  return n
}

export async function getFile(ctx: GitContext, input: { repositoryName: string; filePath: string; commitSpecifier?: string }) {
  const path = cleanPath(input.filePath)
  if (path === '') throw E.pathRequired()
  const { repo, commitId } = await commitFor(ctx, input.repositoryName, input.commitSpecifier)
  const entry = await ctx.repos.entryAt(repo.id, commitId, path)
  if (!entry || entry.kind !== 'blob') throw E.fileDoesNotExist(path)
  const size = entry.size ?? (await ctx.repos.blobSize(repo.id, entry.objectId))
  if (size > MAX_BLOB) throw E.fileTooLarge(path)
  return {
    commitId,
    blobId: entry.objectId,
    filePath: path,
    fileMode: fileModeOf(entry.mode),
    fileSize: size,
    fileContent: await ctx.repos.readBlob(repo.id, entry.objectId),
  }
}

export async function getFolder(ctx: GitContext, input: { repositoryName: string; folderPath: string; commitSpecifier?: string }) {
  const folder = cleanPath(input.folderPath)
  const { repo, commitId } = await commitFor(ctx, input.repositoryName, input.commitSpecifier)
  const self = await ctx.repos.entryAt(repo.id, commitId, folder)
  if (!self || self.kind !== 'tree') throw E.folderDoesNotExist(input.folderPath)
  let entries
  try {
    entries = await ctx.repos.listFolder(repo.id, commitId, folder)
  } catch (err) {
    if (err instanceof GitObjectNotFound) throw E.folderDoesNotExist(input.folderPath)
    throw err
  }
  const rel = (p: string) => (folder === '' ? p : p.slice(folder.length + 1))
  return {
    commitId,
    folderPath: folder === '' ? '/' : folder,
    treeId: self.objectId,
    subFolders: entries.filter((e) => e.kind === 'tree').map((e) => ({ treeId: e.objectId, absolutePath: e.path, relativePath: rel(e.path) })),
    files: entries
      .filter((e) => e.kind === 'blob' && e.mode !== '120000')
      .map((e) => ({ blobId: e.objectId, absolutePath: e.path, relativePath: rel(e.path), fileMode: fileModeOf(e.mode) })),
    symbolicLinks: entries
      .filter((e) => e.kind === 'blob' && e.mode === '120000')
      .map((e) => ({ blobId: e.objectId, absolutePath: e.path, relativePath: rel(e.path), fileMode: 'SYMLINK' as const })),
    subModules: entries.filter((e) => e.kind === 'commit').map((e) => ({ commitId: e.objectId, absolutePath: e.path, relativePath: rel(e.path) })),
  }
}

export async function getBlob(ctx: GitContext, repositoryName: string, blobId: string) {
  const repo = await requireRepository(ctx, repositoryName)
  if (!blobId) throw E.blobIdRequired()
  if (!/^[0-9a-f]{40}$/.test(blobId)) throw E.invalidBlobId(blobId)
  if ((await ctx.repos.objectType(repo.id, blobId)) !== 'blob') throw E.blobIdDoesNotExist(blobId)
  if ((await ctx.repos.blobSize(repo.id, blobId)) > MAX_BLOB) throw E.fileTooLarge(blobId)
  return { content: await ctx.repos.readBlob(repo.id, blobId) }
}
