import { AwsError } from '../../shared/errors.ts'
import type { FileChange, FileMode, GitIdentity } from '../ports.ts'
import { GitObjectNotFound, GitRefConflict } from '../ports.ts'
import type { RepositoryRecord } from '../records.ts'
import { CodeCommitErrors as E } from '../model/errors.ts'
import { isValidBranchName, normalizeRepoPath } from '../model/names.ts'
import { type GitContext, requireRepository } from './context.ts'
import { syncRefs } from './ref-updates.ts'
import { FILE_MODES, fileModeOf } from './file-modes.ts'

type Author = { name?: string; email?: string; message?: string; principal: string }

function identity(ctx: GitContext, author: Author): GitIdentity {
  if (author.email !== undefined && author.email !== '' && !/^[^\s<>@]+@[^\s<>@]+$/.test(author.email)) throw E.invalidEmail()
  const seconds = Math.floor(ctx.clock.now().getTime() / 1000)
  return { name: author.name || author.principal, email: author.email ?? '', date: `${seconds} +0000` }
}

function filePath(p: string | undefined): string {
  if (p === undefined || p === '') throw E.pathRequired()
  const n = normalizeRepoPath(p)
  if (n === null || n === '') throw E.invalidPath(p)
  return n
}

function fileMode(m: string | undefined): FileMode | undefined {
  if (m === undefined) return undefined
  if (!(FILE_MODES as readonly string[]).includes(m)) throw E.invalidFileMode(m)
  return m as FileMode
}

/**
 * The commit a write builds on, with CodeCommit's rules: an empty repository needs no parent; otherwise
 * `parentCommitId` is required and must be the branch tip (or, for a new branch, any commit).
 */
async function parentFor(ctx: GitContext, repo: RepositoryRecord, branch: string, parentCommitId: string | undefined) {
  if (!isValidBranchName(branch)) throw E.invalidBranchName(branch)
  const empty = (await ctx.repos.listBranches(repo.id)).size === 0
  if (parentCommitId !== undefined && !/^[0-9a-f]{40}$/.test(parentCommitId)) throw E.invalidParentCommitId(parentCommitId)
  if (parentCommitId !== undefined && (await ctx.repos.objectType(repo.id, parentCommitId)) !== 'commit') throw E.parentCommitDoesNotExist(parentCommitId)
  if (empty) return { parent: parentCommitId ?? null, expectedTip: null }
  if (parentCommitId === undefined) throw E.parentCommitIdRequired()
  const tip = await ctx.repos.branchTip(repo.id, branch)
  if (tip !== null && tip !== parentCommitId) throw E.parentCommitIdOutdated(parentCommitId, branch)
  return { parent: parentCommitId, expectedTip: tip }
}

async function commit(ctx: GitContext, repo: RepositoryRecord, branch: string, base: { parent: string | null; expectedTip: string | null }, changes: FileChange[], author: Author) {
  const who = identity(ctx, author)
  try {
    const result = await ctx.repos.commitFiles(repo.id, {
      branch,
      parentCommitId: base.parent,
      changes,
      message: author.message ?? '',
      author: who,
      committer: who,
    })
    await syncRefs(ctx, repo, author.principal)
    return result
  } catch (err) {
    if (err instanceof GitRefConflict) throw E.parentCommitIdOutdated(base.parent ?? '', branch)
    if (err instanceof GitObjectNotFound) throw E.fileDoesNotExist(err.message.replace(/ not found$/, ''))
    throw err
  }
}

/** True when `path` in `commitId` already holds exactly `content` with `mode`. */
async function unchanged(ctx: GitContext, repo: RepositoryRecord, commitId: string | null, path: string, content: Uint8Array, mode: FileMode | undefined) {
  if (commitId === null) return false
  const entry = await ctx.repos.entryAt(repo.id, commitId, path)
  if (!entry || entry.kind !== 'blob' || (mode !== undefined && fileModeOf(entry.mode) !== mode)) return false
  if (entry.size !== undefined && entry.size !== content.length) return false
  return Buffer.from(content).equals(await ctx.repos.readBlob(repo.id, entry.objectId))
}

export async function putFile(
  ctx: GitContext,
  input: { repositoryName: string; branchName: string; fileContent: Uint8Array; filePath: string; fileMode?: string; parentCommitId?: string; commitMessage?: string; name?: string; email?: string },
  principal: string,
) {
  const repo = await requireRepository(ctx, input.repositoryName)
  if (!input.branchName) throw E.branchNameRequired()
  const path = filePath(input.filePath)
  const mode = fileMode(input.fileMode)
  const base = await parentFor(ctx, repo, input.branchName, input.parentCommitId)
  if (await unchanged(ctx, repo, base.parent, path, input.fileContent, mode)) throw E.sameFileContent(path)
  const author = { name: input.name, email: input.email, message: input.commitMessage, principal }
  const result = await commit(ctx, repo, input.branchName, base, [{ kind: 'put', path, content: input.fileContent, mode }], author)
  const blob = [...result.filesAdded, ...result.filesUpdated].find((f) => f.path === path)
  return { commitId: result.commitId, blobId: blob?.blobId ?? '', treeId: result.treeId }
}

export async function deleteFile(
  ctx: GitContext,
  input: { repositoryName: string; branchName: string; filePath: string; parentCommitId: string; commitMessage?: string; name?: string; email?: string },
  principal: string,
) {
  const repo = await requireRepository(ctx, input.repositoryName)
  const path = filePath(input.filePath)
  const base = await parentFor(ctx, repo, input.branchName, input.parentCommitId)
  const result = await commit(ctx, repo, input.branchName, base, [{ kind: 'delete', path }], { name: input.name, email: input.email, message: input.commitMessage, principal })
  return { commitId: result.commitId, blobId: result.filesDeleted[0]?.blobId ?? '', treeId: result.treeId, filePath: path }
}

type PutFileEntry = { filePath: string; fileMode?: string; fileContent?: Uint8Array; sourceFile?: { filePath: string; isMove?: boolean } }

export async function createCommit(
  ctx: GitContext,
  input: {
    repositoryName: string; branchName: string; parentCommitId?: string; authorName?: string; email?: string; commitMessage?: string
    putFiles?: PutFileEntry[]; deleteFiles?: { filePath: string }[]; setFileModes?: { filePath: string; fileMode: string }[]
  },
  principal: string,
) {
  const repo = await requireRepository(ctx, input.repositoryName)
  if (!input.branchName) throw E.branchNameRequired()
  const base = await parentFor(ctx, repo, input.branchName, input.parentCommitId)
  const changes: FileChange[] = []
  let effective = false
  for (const put of input.putFiles ?? []) {
    const path = filePath(put.filePath)
    const mode = fileMode(put.fileMode)
    let content = put.fileContent
    if (content !== undefined && put.sourceFile) throw new AwsError('FileContentAndSourceFileSpecifiedException', `The file '${path}' has both content and a source file.`)
    if (put.sourceFile) {
      const source = filePath(put.sourceFile.filePath)
      const entry = base.parent === null ? null : await ctx.repos.entryAt(repo.id, base.parent, source)
      if (!entry || entry.kind !== 'blob') throw E.fileDoesNotExist(source)
      content = await ctx.repos.readBlob(repo.id, entry.objectId)
      if (put.sourceFile.isMove) changes.push({ kind: 'delete', path: source })
      effective = true
    }
    if (content === undefined) throw new AwsError('SourceFileOrContentRequiredException', `The file '${path}' needs either content or a source file.`)
    if (!(await unchanged(ctx, repo, base.parent, path, content, mode))) effective = true
    changes.push({ kind: 'put', path, content, mode })
  }
  for (const del of input.deleteFiles ?? []) {
    changes.push({ kind: 'delete', path: filePath(del.filePath) })
    effective = true
  }
  for (const set of input.setFileModes ?? []) {
    const path = filePath(set.filePath)
    const mode = fileMode(set.fileMode) ?? 'NORMAL'
    const entry = base.parent === null ? null : await ctx.repos.entryAt(repo.id, base.parent, path)
    if (!entry) throw E.fileDoesNotExist(path)
    if (fileModeOf(entry.mode) !== mode) effective = true
    changes.push({ kind: 'mode', path, mode })
  }
  if (changes.length === 0) throw E.fileEntryRequired()
  if (!effective) throw E.noChange()
  const result = await commit(ctx, repo, input.branchName, base, changes, { name: input.authorName, email: input.email, message: input.commitMessage, principal })
  const view = (files: { path: string; blobId: string; mode: string }[]) => files.map((f) => ({ absolutePath: f.path, blobId: f.blobId, fileMode: fileModeOf(f.mode) }))
  return { commitId: result.commitId, treeId: result.treeId, filesAdded: view(result.filesAdded), filesUpdated: view(result.filesUpdated), filesDeleted: view(result.filesDeleted) }
}
