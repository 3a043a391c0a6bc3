/**
 * Drives the server with the real `@aws-sdk/client-codecommit`, a second real client besides the AWS
 * CLI: repositories, tags, commits through the API, reads, branches, and finally a clone with the real
 * git binary to show that what the API wrote is what git sees.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  BatchGetCommitsCommand,
  BatchGetRepositoriesCommand,
  CodeCommitClient,
  CreateBranchCommand,
  CreateCommitCommand,
  CreateRepositoryCommand,
  DeleteBranchCommand,
  DeleteRepositoryCommand,
  GetBlobCommand,
  GetBranchCommand,
  GetCommitCommand,
  GetDifferencesCommand,
  GetFileCommand,
  GetFolderCommand,
  GetRepositoryCommand,
  ListBranchesCommand,
  ListRepositoriesCommand,
  ListTagsForResourceCommand,
  PutFileCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDefaultBranchCommand,
  UpdateRepositoryDescriptionCommand,
  UpdateRepositoryNameCommand,
} from '@aws-sdk/client-codecommit'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { basicUrl, git, gitOk } from '../helpers/git.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const OBJECT_ID = /^[0-9a-f]{40}$/
const utf8 = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The rejection of `promise`, asserting it is an SDK service error named `name` with HTTP 400. */
async function rejectsWith(promise: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  let error: unknown
  try {
    await promise
  } catch (err) {
    error = err
  }
  assert.ok(error instanceof Error, `expected ${name}, but the call succeeded`)
  const err = error as Error & { $metadata?: { httpStatusCode?: number } }
  assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`)
  assert.equal(err.$metadata?.httpStatusCode, 400)
  return err
}

describe('CodeCommit through @aws-sdk/client-codecommit', () => {
  let server: TestServer
  let client: CodeCommitClient

  before(async () => {
    server = await startTestServer()
    client = new CodeCommitClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      maxAttempts: 1,
    })
  })

  after(async () => {
    client?.destroy()
    await server?.stop()
  })

  describe('repositories', () => {
    it('CreateRepository returns full metadata and GetRepository returns the same repository', async () => {
      const started = Date.now()
      const created = await client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-meta', repositoryDescription: 'made by the SDK' }))
      const md = created.repositoryMetadata
      assert.ok(md)
      assert.equal(md.repositoryName, 'sdk-meta')
      assert.match(md.repositoryId ?? '', UUID)
      assert.match(md.accountId ?? '', /^\d{12}$/)
      assert.equal(md.Arn, `arn:aws:codecommit:us-east-1:${md.accountId}:sdk-meta`)
      assert.equal(md.cloneUrlHttp, `${server.url}/v1/repos/sdk-meta`)
      assert.equal(md.repositoryDescription, 'made by the SDK')
      assert.equal(md.defaultBranch, undefined, 'an empty repository has no default branch yet')
      assert.ok(md.creationDate instanceof Date, 'creationDate is parsed into a Date')
      assert.ok(md.lastModifiedDate instanceof Date, 'lastModifiedDate is parsed into a Date')
      assert.ok(Math.abs(md.creationDate.getTime() - started) < 60_000, `creationDate ${md.creationDate.toISOString()} is about now`)

      const got = (await client.send(new GetRepositoryCommand({ repositoryName: 'sdk-meta' }))).repositoryMetadata
      assert.ok(got)
      assert.equal(got.repositoryId, md.repositoryId)
      assert.equal(got.Arn, md.Arn)
      assert.equal(got.cloneUrlHttp, md.cloneUrlHttp)
      assert.equal(got.repositoryDescription, 'made by the SDK')
      assert.equal(got.creationDate?.getTime(), md.creationDate.getTime())
    })

    it('ListRepositories sorts by name and by last modification, both ways', async () => {
      for (const name of ['sdk-list-b', 'sdk-list-a', 'sdk-list-c']) {
        await client.send(new CreateRepositoryCommand({ repositoryName: name }))
        await sleep(15)
      }
      const list = async (sortBy?: 'repositoryName' | 'lastModifiedDate', order?: 'ascending' | 'descending') => {
        const out = await client.send(new ListRepositoriesCommand({ sortBy, order }))
        for (const r of out.repositories ?? []) assert.match(r.repositoryId ?? '', UUID)
        return (out.repositories ?? []).map((r) => r.repositoryName).filter((n) => n?.startsWith('sdk-list-'))
      }
      assert.deepEqual(await list(), ['sdk-list-a', 'sdk-list-b', 'sdk-list-c'])
      assert.deepEqual(await list('repositoryName', 'ascending'), ['sdk-list-a', 'sdk-list-b', 'sdk-list-c'])
      assert.deepEqual(await list('repositoryName', 'descending'), ['sdk-list-c', 'sdk-list-b', 'sdk-list-a'])
      assert.deepEqual(await list('lastModifiedDate', 'ascending'), ['sdk-list-b', 'sdk-list-a', 'sdk-list-c'])

      await sleep(15)
      await client.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'sdk-list-a', repositoryDescription: 'touched' }))
      assert.deepEqual(await list('lastModifiedDate', 'descending'), ['sdk-list-a', 'sdk-list-c', 'sdk-list-b'])
    })

    it('BatchGetRepositories reports missing names in repositoriesNotFound', async () => {
      const out = await client.send(new BatchGetRepositoriesCommand({ repositoryNames: ['sdk-list-a', 'sdk-no-such-repo', 'sdk-meta'] }))
      assert.deepEqual((out.repositories ?? []).map((r) => r.repositoryName).sort(), ['sdk-list-a', 'sdk-meta'])
      assert.deepEqual(out.repositoriesNotFound, ['sdk-no-such-repo'])
      const a = out.repositories?.find((r) => r.repositoryName === 'sdk-list-a')
      assert.equal(a?.cloneUrlHttp, `${server.url}/v1/repos/sdk-list-a`)
    })

    it('UpdateRepositoryDescription changes what GetRepository shows', async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-desc', repositoryDescription: 'before' }))
      await client.send(new UpdateRepositoryDescriptionCommand({ repositoryName: 'sdk-desc', repositoryDescription: 'after' }))
      const md = (await client.send(new GetRepositoryCommand({ repositoryName: 'sdk-desc' }))).repositoryMetadata
      assert.equal(md?.repositoryDescription, 'after')
      assert.ok((md?.lastModifiedDate?.getTime() ?? 0) >= (md?.creationDate?.getTime() ?? Infinity))
    })

    it('UpdateRepositoryName moves the repository (id, tags) to the new name and frees the old one', async () => {
      const created = (await client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-old-name', tags: { owner: 'sdk' } }))).repositoryMetadata
      await client.send(new UpdateRepositoryNameCommand({ oldName: 'sdk-old-name', newName: 'sdk-new-name' }))

      const md = (await client.send(new GetRepositoryCommand({ repositoryName: 'sdk-new-name' }))).repositoryMetadata
      assert.equal(md?.repositoryId, created?.repositoryId)
      assert.equal(md?.repositoryName, 'sdk-new-name')
      assert.equal(md?.Arn, `arn:aws:codecommit:us-east-1:${created?.accountId}:sdk-new-name`)
      assert.equal(md?.cloneUrlHttp, `${server.url}/v1/repos/sdk-new-name`)
      const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: md?.Arn }))
      assert.deepEqual(tags.tags, { owner: 'sdk' })

      const err = await rejectsWith(client.send(new GetRepositoryCommand({ repositoryName: 'sdk-old-name' })), 'RepositoryDoesNotExistException')
      assert.match(err.message, /sdk-old-name/)
    })

    it('TagResource, ListTagsForResource and UntagResource work by ARN', async () => {
      const md = (await client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-tags', tags: { team: 'core' } }))).repositoryMetadata
      const arn = md?.Arn
      assert.ok(arn)
      assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { team: 'core' })

      await client.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'dev', team: 'platform' } }))
      assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: 'dev', team: 'platform' })

      await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }))
      assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: 'dev' })
    })

    it('a duplicate name is RepositoryNameExistsException', async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-dup' }))
      const err = await rejectsWith(client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-dup' })), 'RepositoryNameExistsException')
      assert.match(err.message, /sdk-dup/)
    })

    it('invalid names are InvalidRepositoryNameException and create nothing', async () => {
      for (const name of ['bad name', 'x.git', 'n'.repeat(101)]) {
        await rejectsWith(client.send(new CreateRepositoryCommand({ repositoryName: name })), 'InvalidRepositoryNameException')
      }
      const names = ((await client.send(new ListRepositoriesCommand({}))).repositories ?? []).map((r) => r.repositoryName)
      assert.ok(!names.includes('bad name') && !names.includes('x.git'), `listed: ${names.join(', ')}`)
      // 100 characters is still fine.
      const ok = await client.send(new CreateRepositoryCommand({ repositoryName: 'n'.repeat(100) }))
      assert.equal(ok.repositoryMetadata?.repositoryName, 'n'.repeat(100))
    })

    it('DeleteRepository removes the repository; deleting a missing one succeeds with no id', async () => {
      const md = (await client.send(new CreateRepositoryCommand({ repositoryName: 'sdk-delete-me' }))).repositoryMetadata
      const deleted = await client.send(new DeleteRepositoryCommand({ repositoryName: 'sdk-delete-me' }))
      assert.equal(deleted.repositoryId, md?.repositoryId)
      await rejectsWith(client.send(new GetRepositoryCommand({ repositoryName: 'sdk-delete-me' })), 'RepositoryDoesNotExistException')

      const again = await client.send(new DeleteRepositoryCommand({ repositoryName: 'sdk-delete-me' }))
      assert.equal(again.$metadata.httpStatusCode, 200)
      assert.equal(again.repositoryId, undefined)
    })
  })

  describe('commits through the API', () => {
    const repo = 'sdk-files'
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13, 0])
    let c1 = ''
    let c2 = ''
    let c3 = ''
    let c4 = ''
    let treeC4 = ''

    before(async () => {
      await client.send(new CreateRepositoryCommand({ repositoryName: repo }))
    })

    it('PutFile on an empty repository needs no parent and creates branch main', async () => {
      const out = await client.send(
        new PutFileCommand({
          repositoryName: repo,
          branchName: 'main',
          filePath: 'README.md',
          fileContent: utf8('# hello\n'),
          commitMessage: 'first commit',
          name: 'Ada Lovelace',
          email: 'ada@example.com',
        }),
      )
      assert.match(out.commitId ?? '', OBJECT_ID)
      assert.match(out.blobId ?? '', OBJECT_ID)
      assert.match(out.treeId ?? '', OBJECT_ID)
      c1 = out.commitId!

      const branch = await client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'main' }))
      assert.deepEqual(branch.branch, { branchName: 'main', commitId: c1 })
      const md = (await client.send(new GetRepositoryCommand({ repositoryName: repo }))).repositoryMetadata
      assert.equal(md?.defaultBranch, 'main')
    })

    it('PutFile on a non-empty branch without parentCommitId is ParentCommitIdRequiredException', async () => {
      await rejectsWith(
        client.send(new PutFileCommand({ repositoryName: repo, branchName: 'main', filePath: 'notes.txt', fileContent: utf8('x') })),
        'ParentCommitIdRequiredException',
      )
      const branch = await client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'main' }))
      assert.equal(branch.branch?.commitId, c1)
    })

    it('PutFile with a stale parent is ParentCommitIdOutdatedException', async () => {
      const second = await client.send(
        new PutFileCommand({ repositoryName: repo, branchName: 'main', filePath: 'notes.txt', fileContent: utf8('notes\n'), parentCommitId: c1 }),
      )
      c2 = second.commitId!
      assert.notEqual(c2, c1)
      await rejectsWith(
        client.send(new PutFileCommand({ repositoryName: repo, branchName: 'main', filePath: 'other.txt', fileContent: utf8('o'), parentCommitId: c1 })),
        'ParentCommitIdOutdatedException',
      )
      const branch = await client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'main' }))
      assert.equal(branch.branch?.commitId, c2)
    })

    it('PutFile with the content already there is SameFileContentException', async () => {
      await rejectsWith(
        client.send(new PutFileCommand({ repositoryName: repo, branchName: 'main', filePath: 'README.md', fileContent: utf8('# hello\n'), parentCommitId: c2 })),
        'SameFileContentException',
      )
      const third = await client.send(
        new PutFileCommand({ repositoryName: repo, branchName: 'main', filePath: 'tool.sh', fileContent: utf8('#!/bin/sh\necho tool\n'), parentCommitId: c2 }),
      )
      c3 = third.commitId!
    })

    it('CreateCommit applies putFiles, deleteFiles and setFileModes in one commit', async () => {
      const out = await client.send(
        new CreateCommitCommand({
          repositoryName: repo,
          branchName: 'main',
          parentCommitId: c3,
          authorName: 'Grace Hopper',
          email: 'grace@example.com',
          commitMessage: 'second change',
          putFiles: [
            { filePath: 'README.md', fileContent: utf8('# hello again\n') },
            { filePath: 'src/run.sh', fileContent: utf8('#!/bin/sh\necho run\n'), fileMode: 'EXECUTABLE' },
            { filePath: 'src/lib/data.bin', fileContent: binary },
          ],
          deleteFiles: [{ filePath: 'notes.txt' }],
          setFileModes: [{ filePath: 'tool.sh', fileMode: 'EXECUTABLE' }],
        }),
      )
      assert.match(out.commitId ?? '', OBJECT_ID)
      c4 = out.commitId!
      treeC4 = out.treeId!
      assert.deepEqual((out.filesAdded ?? []).map((f) => f.absolutePath).sort(), ['src/lib/data.bin', 'src/run.sh'])
      assert.ok((out.filesUpdated ?? []).some((f) => f.absolutePath === 'README.md'), JSON.stringify(out.filesUpdated))
      assert.deepEqual((out.filesDeleted ?? []).map((f) => f.absolutePath), ['notes.txt'])
      assert.equal(out.filesAdded?.find((f) => f.absolutePath === 'src/run.sh')?.fileMode, 'EXECUTABLE')

      const branch = await client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'main' }))
      assert.equal(branch.branch?.commitId, c4)
    })

    it('GetCommit shows message, author and parents', async () => {
      const commit = (await client.send(new GetCommitCommand({ repositoryName: repo, commitId: c4 }))).commit
      assert.ok(commit)
      assert.equal(commit.commitId, c4)
      assert.equal(commit.treeId, treeC4)
      assert.equal(commit.message?.trim(), 'second change')
      assert.equal(commit.author?.name, 'Grace Hopper')
      assert.equal(commit.author?.email, 'grace@example.com')
      assert.deepEqual(commit.parents, [c3])

      const first = (await client.send(new GetCommitCommand({ repositoryName: repo, commitId: c1 }))).commit
      assert.equal(first?.message?.trim(), 'first commit')
      assert.equal(first?.author?.name, 'Ada Lovelace')
      assert.equal(first?.author?.email, 'ada@example.com')
      assert.deepEqual(first?.parents ?? [], [])

      await rejectsWith(client.send(new GetCommitCommand({ repositoryName: repo, commitId: 'f'.repeat(40) })), 'CommitIdDoesNotExistException')
    })

    it('BatchGetCommits returns the good commits and lists the bad id in errors', async () => {
      const missing = 'e'.repeat(40)
      const out = await client.send(new BatchGetCommitsCommand({ repositoryName: repo, commitIds: [c1, missing, c2] }))
      assert.deepEqual((out.commits ?? []).map((c) => c.commitId).sort(), [c1, c2].sort())
      assert.equal(out.errors?.length, 1)
      assert.equal(out.errors?.[0]?.commitId, missing)
      assert.equal(out.errors?.[0]?.errorCode, 'CommitIdDoesNotExistException')
    })

    it('GetFile round-trips bytes and reports file modes; commitSpecifier reads history', async () => {
      const bin = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'src/lib/data.bin' }))
      assert.equal(bin.commitId, c4)
      assert.ok(Buffer.from(bin.fileContent ?? new Uint8Array()).equals(binary), 'binary content comes back byte for byte')
      assert.equal(bin.fileSize, binary.length)
      assert.equal(bin.fileMode, 'NORMAL')

      const tool = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'tool.sh' }))
      assert.equal(tool.fileMode, 'EXECUTABLE', 'setFileModes made tool.sh executable')
      assert.equal(text(tool.fileContent), '#!/bin/sh\necho tool\n')
      const toolBefore = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'tool.sh', commitSpecifier: c3 }))
      assert.equal(toolBefore.fileMode, 'NORMAL')

      const readme = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'README.md', commitSpecifier: 'main' }))
      assert.equal(text(readme.fileContent), '# hello again\n')
      const oldReadme = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'README.md', commitSpecifier: c1 }))
      assert.equal(text(oldReadme.fileContent), '# hello\n')

      await rejectsWith(client.send(new GetFileCommand({ repositoryName: repo, filePath: 'notes.txt' })), 'FileDoesNotExistException')
    })

    it('GetFolder lists the root and a subfolder with relative and absolute paths', async () => {
      const root = await client.send(new GetFolderCommand({ repositoryName: repo, folderPath: '/' }))
      assert.equal(root.commitId, c4)
      assert.equal(root.folderPath, '/')
      assert.equal(root.treeId, treeC4)
      assert.deepEqual(
        (root.files ?? []).map((f) => [f.relativePath, f.absolutePath, f.fileMode]).sort(),
        [['README.md', 'README.md', 'NORMAL'], ['tool.sh', 'tool.sh', 'EXECUTABLE']],
      )
      assert.deepEqual((root.subFolders ?? []).map((f) => [f.relativePath, f.absolutePath]), [['src', 'src']])

      const src = await client.send(new GetFolderCommand({ repositoryName: repo, folderPath: 'src' }))
      assert.equal(src.folderPath, 'src')
      assert.deepEqual((src.files ?? []).map((f) => [f.relativePath, f.absolutePath, f.fileMode]), [['run.sh', 'src/run.sh', 'EXECUTABLE']])
      assert.deepEqual((src.subFolders ?? []).map((f) => [f.relativePath, f.absolutePath]), [['lib', 'src/lib']])
      assert.match(src.subFolders?.[0]?.treeId ?? '', OBJECT_ID)

      await rejectsWith(client.send(new GetFolderCommand({ repositoryName: repo, folderPath: 'nope' })), 'FolderDoesNotExistException')
    })

    it('GetBlob returns the content of a blob id from GetFile', async () => {
      const file = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'src/lib/data.bin' }))
      const blob = await client.send(new GetBlobCommand({ repositoryName: repo, blobId: file.blobId }))
      assert.ok(Buffer.from(blob.content ?? new Uint8Array()).equals(binary))
    })

    it('GetDifferences lists added, modified and deleted paths between two commits', async () => {
      const out = await client.send(new GetDifferencesCommand({ repositoryName: repo, beforeCommitSpecifier: c3, afterCommitSpecifier: c4 }))
      const changes = (out.differences ?? [])
        .map((d) => `${d.changeType} ${d.afterBlob?.path ?? d.beforeBlob?.path}`)
        .sort()
      assert.deepEqual(changes, ['A src/lib/data.bin', 'A src/run.sh', 'D notes.txt', 'M README.md', 'M tool.sh'])
      const added = out.differences?.find((d) => d.afterBlob?.path === 'src/run.sh')
      assert.equal(added?.beforeBlob, undefined)
      assert.equal(added?.afterBlob?.mode, '100755')
      const deleted = out.differences?.find((d) => d.beforeBlob?.path === 'notes.txt')
      assert.equal(deleted?.afterBlob, undefined)
      const modified = out.differences?.find((d) => d.afterBlob?.path === 'README.md')
      assert.match(modified?.beforeBlob?.blobId ?? '', OBJECT_ID)
      assert.notEqual(modified?.beforeBlob?.blobId, modified?.afterBlob?.blobId)
    })

    it('branches: create, list, change default, delete; the default branch cannot be deleted', async () => {
      await client.send(new CreateBranchCommand({ repositoryName: repo, branchName: 'feature', commitId: c1 }))
      assert.deepEqual(((await client.send(new ListBranchesCommand({ repositoryName: repo }))).branches ?? []).sort(), ['feature', 'main'])
      assert.equal((await client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'feature' }))).branch?.commitId, c1)

      await rejectsWith(client.send(new DeleteBranchCommand({ repositoryName: repo, branchName: 'main' })), 'DefaultBranchCannotBeDeletedException')

      await client.send(new UpdateDefaultBranchCommand({ repositoryName: repo, defaultBranchName: 'feature' }))
      assert.equal((await client.send(new GetRepositoryCommand({ repositoryName: repo }))).repositoryMetadata?.defaultBranch, 'feature')
      await rejectsWith(client.send(new DeleteBranchCommand({ repositoryName: repo, branchName: 'feature' })), 'DefaultBranchCannotBeDeletedException')
      // Reads without a commit specifier follow the default branch.
      const readme = await client.send(new GetFileCommand({ repositoryName: repo, filePath: 'README.md' }))
      assert.equal(readme.commitId, c1)

      await client.send(new UpdateDefaultBranchCommand({ repositoryName: repo, defaultBranchName: 'main' }))
      const deleted = await client.send(new DeleteBranchCommand({ repositoryName: repo, branchName: 'feature' }))
      assert.deepEqual(deleted.deletedBranch, { branchName: 'feature', commitId: c1 })
      assert.deepEqual((await client.send(new ListBranchesCommand({ repositoryName: repo }))).branches, ['main'])

      await rejectsWith(client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'feature' })), 'BranchDoesNotExistException')
      await rejectsWith(client.send(new GetBranchCommand({ repositoryName: repo, branchName: 'never-existed' })), 'BranchDoesNotExistException')
      await rejectsWith(
        client.send(new UpdateDefaultBranchCommand({ repositoryName: repo, defaultBranchName: 'never-existed' })),
        'BranchDoesNotExistException',
      )
    })

    it('git clone sees exactly what the API committed', async () => {
      const dir = tempDir('sdk-clone')
      const r = await git(dir, ['clone', basicUrl(server.url, repo, server.accessKeyId, server.secretAccessKey), 'c'])
      assert.equal(r.code, 0, r.stderr)
      const work = path.join(dir, 'c')
      assert.equal((await gitOk(work, ['rev-parse', 'HEAD'])).trim(), c4)
      assert.equal((await gitOk(work, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim(), 'main')
      assert.equal((await gitOk(work, ['log', '-1', '--format=%an <%ae>|%s'])).trim(), 'Grace Hopper <grace@example.com>|second change')
      assert.equal(fs.readFileSync(path.join(work, 'README.md'), 'utf8'), '# hello again\n')
      assert.ok(fs.readFileSync(path.join(work, 'src/lib/data.bin')).equals(binary))
      assert.equal(fs.readFileSync(path.join(work, 'src/run.sh'), 'utf8'), '#!/bin/sh\necho run\n')
      assert.ok((fs.statSync(path.join(work, 'src/run.sh')).mode & 0o100) !== 0, 'src/run.sh is executable')
      assert.ok((fs.statSync(path.join(work, 'tool.sh')).mode & 0o100) !== 0, 'tool.sh is executable')
      assert.ok(!fs.existsSync(path.join(work, 'notes.txt')), 'notes.txt was deleted')
      const history = (await gitOk(work, ['log', '--format=%H'])).trim().split('\n')
      assert.deepEqual(history, [c4, c3, c2, c1])
      fs.rmSync(dir, { recursive: true, force: true })
    })
  })
})
