import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GitCli, createGitRepos } from '../../src/git/adapters/git-cli.ts'
import { isValidBranchName } from '../../src/git/adapters/git-names.ts'
import { cleanGitEnv } from '../../src/git/adapters/run-git.ts'
import type { CommitFilesRequest, FileChange } from '../../src/git/ports.ts'
import { GitObjectNotFound, GitRefConflict } from '../../src/git/ports.ts'

const alice = { name: 'Alice', email: 'alice@example.com', date: '1700000000 +0100' }
const bob = { name: 'Bob B', email: 'bob@example.com', date: '1700000100 -0530' }
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Runs the real git binary (clean environment) for test set-up and checks. */
function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, env: cleanGitEnv(), encoding: 'utf8' }).trim()
}

function request(parentCommitId: string | null, changes: FileChange[], extra: Partial<CommitFilesRequest> = {}): CommitFilesRequest {
  return { branch: 'main', parentCommitId, changes, message: 'change\n', author: alice, committer: bob, ...extra }
}

describe('GitCli adapter (real git)', () => {
  let root: string
  let repos: GitCli
  let first: string
  let second: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-git-cli-'))
    repos = new GitCli(root)
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('creates an empty bare repository, idempotently', async () => {
    assert.equal(await repos.exists('r1'), false)
    await repos.create('r1')
    await repos.create('r1')
    assert.equal(await repos.exists('r1'), true)
    assert.equal(repos.pathOf('r1'), join(root, 'r1.git'))
    assert.equal(await repos.defaultBranch('r1'), 'main')
    assert.deepEqual([...(await repos.listBranches('r1'))], [])
    assert.equal(await repos.branchTip('r1', 'main'), null)
    assert.equal(git(['--git-dir', repos.pathOf('r1'), 'config', '--get', 'http.receivepack']), 'true')
    assert.equal(git(['--git-dir', repos.pathOf('r1'), 'rev-parse', '--is-bare-repository']), 'true')
    await assert.rejects(repos.create('../escape'), /invalid repository storage key/)
  })

  it('creates concurrently without failing', async () => {
    await Promise.all([repos.create('race'), repos.create('race'), repos.create('race')])
    assert.equal(await repos.exists('race'), true)
  })

  it('commits files to an empty repository (no parent)', async () => {
    const result = await repos.commitFiles('r1', request(null, [
      { kind: 'put', path: 'README.md', content: text('hello\n') },
      { kind: 'put', path: 'a/b/c.txt', content: text('deep\n') },
      { kind: 'put', path: 'run.sh', content: text('#!/bin/sh\necho hi\n'), mode: 'EXECUTABLE' },
      { kind: 'put', path: 'link', content: text('README.md'), mode: 'SYMLINK' },
    ], { message: 'first commit\n' }))
    first = result.commitId
    assert.match(first, /^[0-9a-f]{40}$/)
    assert.equal(await repos.branchTip('r1', 'main'), first)
    assert.deepEqual(result.filesUpdated, [])
    assert.deepEqual(result.filesDeleted, [])
    assert.deepEqual(
      result.filesAdded.map((f) => [f.path, f.mode]),
      [['README.md', '100644'], ['a/b/c.txt', '100644'], ['link', '120000'], ['run.sh', '100755']],
    )
    const readme = result.filesAdded.find((f) => f.path === 'README.md')
    assert.equal(readme?.blobId, git(['--git-dir', repos.pathOf('r1'), 'rev-parse', 'main:README.md']))
    assert.equal(result.treeId, git(['--git-dir', repos.pathOf('r1'), 'rev-parse', 'main^{tree}']))
  })

  it('commits on top of a parent: update, delete, mode change, nested add', async () => {
    const result = await repos.commitFiles('r1', request(first, [
      { kind: 'put', path: 'README.md', content: text('hello again\n') },
      { kind: 'delete', path: 'a/b/c.txt' },
      { kind: 'mode', path: 'run.sh', mode: 'NORMAL' },
      { kind: 'put', path: '/a/d.txt', content: text('d\n') },
    ], { message: 'second' }))
    second = result.commitId
    assert.deepEqual(result.filesAdded.map((f) => f.path), ['a/d.txt'])
    assert.deepEqual(result.filesUpdated.map((f) => [f.path, f.mode]), [['README.md', '100644'], ['run.sh', '100644']])
    assert.deepEqual(result.filesDeleted.map((f) => [f.path, f.mode]), [['a/b/c.txt', '100644']])
    assert.equal(await repos.branchTip('r1', 'main'), second)
    assert.equal(await repos.entryAt('r1', second, 'a/b'), null, 'emptied folders disappear')
  })

  it('refuses a stale parent with GitRefConflict, and only one of two racing writers wins', async () => {
    await assert.rejects(repos.commitFiles('r1', request(first, [{ kind: 'put', path: 'x', content: text('x') }])), GitRefConflict)
    await assert.rejects(repos.commitFiles('r1', request(null, [{ kind: 'put', path: 'x', content: text('x') }])), GitRefConflict)
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((n) => repos.commitFiles('r1', request(second, [{ kind: 'put', path: `race${n}`, content: text(`${n}`) }]))),
    )
    const won = outcomes.filter((o) => o.status === 'fulfilled')
    assert.equal(won.length, 1)
    for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof GitRefConflict, String(o.reason))
    const tip = (await repos.branchTip('r1', 'main')) ?? ''
    assert.equal((await repos.getCommit('r1', tip)).parents[0], second)
    await repos.updateBranch('r1', 'main', second, tip) // roll back for the following tests
  })

  it('refuses deleting or re-moding a missing file, file/folder clashes and bad paths', async () => {
    await assert.rejects(repos.commitFiles('r1', request(second, [{ kind: 'delete', path: 'nope.txt' }])), GitObjectNotFound)
    await assert.rejects(repos.commitFiles('r1', request(second, [{ kind: 'delete', path: 'a' }])), GitObjectNotFound)
    await assert.rejects(repos.commitFiles('r1', request(second, [{ kind: 'mode', path: 'nope', mode: 'EXECUTABLE' }])), GitObjectNotFound)
    await assert.rejects(repos.commitFiles('r1', request(second, [{ kind: 'put', path: 'README.md/x', content: text('x') }])), /conflict/)
    await assert.rejects(repos.commitFiles('r1', request(second, [{ kind: 'put', path: 'a', content: text('x') }])), /conflict/)
    for (const path of ['../x', 'a/../../x', '.git/config', 'a//b', '']) {
      await assert.rejects(repos.commitFiles('r1', request(second, [{ kind: 'put', path, content: text('x') }])), /invalid file path/)
    }
    await assert.rejects(repos.commitFiles('r1', request(second, [], { branch: '-f' })), /invalid branch name/)
    await assert.rejects(repos.commitFiles('r1', request(second, [], { author: { ...alice, date: 'yesterday' } })), /invalid git date/)
    assert.equal(await repos.branchTip('r1', 'main'), second)
  })

  it('replaces a file by a folder when the request deletes it explicitly', async () => {
    await repos.create('r2')
    const one = await repos.commitFiles('r2', request(null, [{ kind: 'put', path: 'doc', content: text('file') }]))
    const two = await repos.commitFiles('r2', request(one.commitId, [
      { kind: 'put', path: 'doc/index.md', content: text('folder') },
      { kind: 'delete', path: 'doc' },
    ]))
    assert.deepEqual(two.filesDeleted.map((f) => f.path), ['doc'])
    assert.deepEqual(two.filesAdded.map((f) => f.path), ['doc/index.md'])
  })

  it('reads commits with exact messages and identities', async () => {
    const c1 = await repos.getCommit('r1', first)
    assert.equal(c1.commitId, first)
    assert.deepEqual(c1.parents, [])
    assert.equal(c1.message, 'first commit\n')
    assert.deepEqual(c1.author, alice)
    assert.deepEqual(c1.committer, bob)
    const c2 = await repos.getCommit('r1', second.slice(0, 10))
    assert.equal(c2.commitId, second)
    assert.deepEqual(c2.parents, [first])
    assert.equal(c2.message, 'second', 'no newline added')
    const odd = '\n  spaced  \n\n# not a comment\n\n'
    const c3 = await repos.commitFiles('r2', request(await repos.branchTip('r2', 'main'), [], { message: odd }))
    assert.equal((await repos.getCommit('r2', c3.commitId)).message, odd)
    const tree = (await repos.entryAt('r1', first, ''))?.objectId ?? ''
    await assert.rejects(repos.getCommit('r1', tree), GitObjectNotFound)
    await assert.rejects(repos.getCommit('r1', '0'.repeat(40)), GitObjectNotFound)
    await assert.rejects(repos.getCommit('r1', 'main'), GitObjectNotFound)
  })

  it('lists folders (root and nested) with paths relative to the root', async () => {
    const rootEntries = await repos.listFolder('r1', second, '')
    assert.deepEqual(rootEntries.map((e) => [e.path, e.kind, e.mode]), [
      ['README.md', 'blob', '100644'], ['a', 'tree', '040000'], ['link', 'blob', '120000'], ['run.sh', 'blob', '100644'],
    ])
    assert.equal(rootEntries[0]?.size, 'hello again\n'.length)
    const nested = await repos.listFolder('r1', first, 'a/b')
    assert.deepEqual(nested.map((e) => e.path), ['a/b/c.txt'])
    assert.deepEqual((await repos.listFolder('r1', first, '/a/')).map((e) => e.path), ['a/b'])
    await assert.rejects(repos.listFolder('r1', first, 'README.md'), GitObjectNotFound)
    await assert.rejects(repos.listFolder('r1', first, 'missing'), GitObjectNotFound)
    await assert.rejects(repos.listFolder('r1', 'f'.repeat(40), ''), GitObjectNotFound)
  })

  it('finds entries for files, folders, the root and missing paths', async () => {
    const file = await repos.entryAt('r1', first, 'a/b/c.txt')
    assert.deepEqual(file, { path: 'a/b/c.txt', objectId: file?.objectId, kind: 'blob', mode: '100644', size: 5 })
    const folder = await repos.entryAt('r1', first, 'a')
    assert.equal(folder?.kind, 'tree')
    assert.equal(folder?.size, undefined)
    assert.equal((await repos.entryAt('r1', first, ''))?.kind, 'tree')
    assert.equal(await repos.entryAt('r1', first, 'missing'), null)
    assert.equal(await repos.entryAt('r1', first, 'README.md/x'), null)
    assert.equal(await repos.entryAt('r1', first, '../etc/passwd'), null)
    assert.equal(await repos.entryAt('r1', first, '*'), null, 'pathspecs are literal')
    await assert.rejects(repos.entryAt('r1', 'f'.repeat(40), 'README.md'), GitObjectNotFound)
  })

  it('reads blobs, sizes and object types', async () => {
    const readme = await repos.entryAt('r1', first, 'README.md')
    const id = readme?.objectId ?? ''
    assert.equal((await repos.readBlob('r1', id)).toString(), 'hello\n')
    assert.equal(await repos.blobSize('r1', id), 6)
    assert.equal(await repos.objectType('r1', id), 'blob')
    assert.equal(await repos.objectType('r1', first), 'commit')
    assert.equal(await repos.objectType('r1', 'e'.repeat(40)), null)
    assert.equal(await repos.objectType('r1', '--batch-all-objects'), null)
    await assert.rejects(repos.readBlob('r1', 'e'.repeat(40)), GitObjectNotFound)
    await assert.rejects(repos.blobSize('r1', first), GitObjectNotFound)
    const bytes = new Uint8Array([0, 255, 10, 13, 0, 1])
    const c = await repos.commitFiles('r2', request(await repos.branchTip('r2', 'main'), [{ kind: 'put', path: 'bin.dat', content: bytes }]))
    assert.deepEqual(new Uint8Array(await repos.readBlob('r2', c.filesAdded[0]?.blobId ?? '')), bytes)
  })

  it('diffs two commits (A/M/D), against the empty tree, with path filters', async () => {
    const all = await repos.diff('r1', first, second)
    assert.deepEqual(all.map((d) => [d.changeType, d.before?.path ?? d.after?.path]), [
      ['M', 'README.md'], ['D', 'a/b/c.txt'], ['A', 'a/d.txt'], ['M', 'run.sh'],
    ])
    const modeChange = all.find((d) => d.before?.path === 'run.sh')
    assert.equal(modeChange?.before?.mode, '100755')
    assert.equal(modeChange?.after?.mode, '100644')
    const fromNothing = await repos.diff('r1', null, first)
    assert.ok(fromNothing.every((d) => d.changeType === 'A' && d.before === undefined))
    assert.equal(fromNothing.length, 4)
    assert.deepEqual((await repos.diff('r1', first, second, 'a')).map((d) => d.changeType), ['D', 'A'])
    assert.deepEqual((await repos.diff('r1', first, second, undefined, 'a/d.txt')).map((d) => d.changeType), ['A'])
    assert.deepEqual((await repos.diff('r1', first, second, 'README.md', 'a/d.txt')).map((d) => d.changeType), ['M', 'A'])
    await assert.rejects(repos.diff('r1', first, 'f'.repeat(40)), GitObjectNotFound)
    const toLink = await repos.commitFiles('r1', request(second, [{ kind: 'put', path: 'README.md', content: text('run.sh'), mode: 'SYMLINK' }]))
    const typeChange = await repos.diff('r1', second, toLink.commitId)
    assert.deepEqual(typeChange.map((d) => [d.changeType, d.before?.mode, d.after?.mode]), [['M', '100644', '120000']])
    assert.deepEqual(toLink.filesUpdated.map((f) => f.path), ['README.md'])
    await repos.updateBranch('r1', 'main', second, toLink.commitId)
  })

  it('resolves commit specifiers and refuses option-like or range specifiers', async () => {
    git(['-c', 'user.name=T', '-c', 'user.email=t@example.com', '--git-dir', repos.pathOf('r1'), 'tag', '-a', '-m', 'v1', 'v1', first])
    assert.equal(await repos.resolveCommit('r1', 'main'), second)
    assert.equal(await repos.resolveCommit('r1', 'refs/heads/main'), second)
    assert.equal(await repos.resolveCommit('r1', 'HEAD'), second)
    assert.equal(await repos.resolveCommit('r1', 'main~1'), first)
    assert.equal(await repos.resolveCommit('r1', first.slice(0, 8)), first)
    assert.equal(await repos.resolveCommit('r1', second), second)
    assert.equal(await repos.resolveCommit('r1', 'v1'), first, 'annotated tags are peeled')
    for (const bad of ['--upload-pack=x', '-x', '--all', 'a..b', `${first}..${second}`, 'main:README.md', ':/first', 'a b', 'a\nb', '', 'nope', 'f'.repeat(40)]) {
      await assert.rejects(repos.resolveCommit('r1', bad), GitObjectNotFound, bad)
    }
    const tree = (await repos.entryAt('r1', first, ''))?.objectId ?? ''
    await assert.rejects(repos.resolveCommit('r1', tree), GitObjectNotFound)
  })

  it('creates, lists, re-points and deletes branches with compare-and-swap', async () => {
    await repos.updateBranch('r1', 'feature/x', first, null)
    await assert.rejects(repos.updateBranch('r1', 'feature/x', second, null), GitRefConflict)
    await assert.rejects(repos.updateBranch('r1', 'feature/x', second, second), GitRefConflict)
    await repos.updateBranch('r1', 'feature/x', second, first)
    await repos.updateBranch('r1', 'dev', first, null)
    assert.deepEqual([...(await repos.listBranches('r1'))], [['dev', first], ['feature/x', second], ['main', second]])
    assert.equal(await repos.branchTip('r1', 'feature/x'), second)
    assert.equal(await repos.branchTip('r1', 'nope'), null)
    assert.equal(await repos.branchTip('r1', '-x'), null)
    await repos.setDefaultBranch('r1', 'dev')
    assert.equal(await repos.defaultBranch('r1'), 'dev')
    assert.equal(await repos.resolveCommit('r1', 'HEAD'), first)
    await repos.setDefaultBranch('r1', 'main')
    await assert.rejects(repos.updateBranch('r1', 'dev', null, second), GitRefConflict)
    await repos.updateBranch('r1', 'dev', null, first)
    await repos.updateBranch('r1', 'dev', null, null)
    await assert.rejects(repos.updateBranch('r1', 'main', null, null), GitRefConflict)
    await assert.rejects(repos.updateBranch('r1', 'ghost', null, first), GitRefConflict)
    await assert.rejects(repos.updateBranch('r1', 'new', 'a'.repeat(40), null), GitObjectNotFound)
    const tree = (await repos.entryAt('r1', first, ''))?.objectId ?? ''
    await assert.rejects(repos.updateBranch('r1', 'new', tree, null), GitObjectNotFound)
    for (const bad of ['-f', '--force', 'HEAD', 'a..b', 'a b', 'x.lock', '.hidden', 'a/', 'a@{1}']) {
      await assert.rejects(repos.updateBranch('r1', bad, first, null), /invalid branch name/, bad)
      await assert.rejects(repos.setDefaultBranch('r1', bad), /invalid branch name/, bad)
    }
    assert.deepEqual([...(await repos.listBranches('r1')).keys()], ['feature/x', 'main'])
  })

  it('keeps odd but legal file names literal', async () => {
    await repos.create('r3')
    const names = ['-rf', '*.txt', ':(glob)x', 'é/ü.txt', 'with space.txt', '[a]', 'new\nline']
    const c = await repos.commitFiles('r3', request(null, names.map((path) => ({ kind: 'put', path, content: text(path) }))))
    assert.equal(c.filesAdded.length, names.length)
    for (const name of names) {
      const entry = await repos.entryAt('r3', c.commitId, name)
      assert.equal((await repos.readBlob('r3', entry?.objectId ?? '')).toString(), name)
    }
    const d = await repos.commitFiles('r3', request(c.commitId, [{ kind: 'delete', path: '*.txt' }]))
    assert.deepEqual(d.filesDeleted.map((f) => f.path), ['*.txt'])
    assert.equal((await repos.diff('r3', c.commitId, d.commitId, '*')).length, 0)
  })

  it('produces commits the real git client can clone', async () => {
    const work = join(root, 'clone')
    git(['clone', '-q', repos.pathOf('r1'), work])
    assert.equal(await readFile(join(work, 'README.md'), 'utf8'), 'hello again\n')
    assert.equal(await readFile(join(work, 'a', 'd.txt'), 'utf8'), 'd\n')
    assert.equal(await readlink(join(work, 'link')), 'README.md')
    assert.equal(git(['log', '--format=%an <%ae>|%cn|%s', '-1'], work), 'Alice <alice@example.com>|Bob B|second')
    assert.equal(git(['--git-dir', repos.pathOf('r1'), 'fsck', '--strict', '--no-progress', '--no-dangling']), '')
    const clone3 = join(root, 'clone3')
    git(['clone', '-q', repos.pathOf('r2'), clone3])
    assert.equal((await lstat(join(clone3, 'doc', 'index.md'))).isFile(), true)
  })

  it('removes repositories idempotently', async () => {
    await repos.remove('race')
    await repos.remove('race')
    assert.equal(await repos.exists('race'), false)
    await assert.rejects(repos.listBranches('race'), GitObjectNotFound)
  })

  it('is also available through the createGitRepos factory, with process limits', async () => {
    const other = createGitRepos(root)
    assert.equal(await other.exists('r1'), true)
    const tiny = createGitRepos(root, { maxOutputBytes: 4 })
    const readme = await other.entryAt('r1', first, 'README.md')
    await assert.rejects(tiny.readBlob('r1', readme?.objectId ?? ''), /output exceeds 4 bytes/)
  })
})

describe('isValidBranchName agrees with git check-ref-format --branch', () => {
  const names = ['main', 'feature/x', 'é', 'x/HEAD', 'a-b_c.d', 'v1.0', 'HEAD', 'a..b', '-x', 'a/.b', 'a.lock', 'a@{b', 'a b',
    'a//b', '/a', 'a/', 'a.', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'tab\tx', '', '.a', 'a/b.lock/c']
  for (const name of names) {
    it(JSON.stringify(name), () => {
      let gitSays = true
      try {
        execFileSync('git', ['check-ref-format', '--branch', name], { env: cleanGitEnv(), stdio: 'ignore' })
      } catch {
        gitSays = false
      }
      assert.equal(isValidBranchName(name), gitSays)
    })
  }
})
