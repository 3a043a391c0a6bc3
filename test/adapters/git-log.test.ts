import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GitCli } from '../../src/git/adapters/git-cli.ts'
import { GitObjectNotFound } from '../../src/git/ports.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const who = (n: number) => ({ name: 'Alice', email: 'alice@example.com', date: `${1700000000 + n * 60} +0000` })

describe('GitCli.log (real git)', () => {
  let root: string
  let repos: GitCli
  const ids: string[] = []
  let side = ''

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-git-log-'))
    repos = new GitCli(root)
    await repos.create('r')
    let parent: string | null = null
    for (let n = 1; n <= 7; n++) {
      const result = await repos.commitFiles('r', { branch: 'main', parentCommitId: parent, changes: [{ kind: 'put', path: 'f.txt', content: text(`${n}\n`) }], message: `change ${n}\n\nbody ${n}\n`, author: who(n), committer: who(n) })
      parent = result.commitId
      ids.unshift(result.commitId)
    }
    await repos.updateBranch('r', 'side', ids[3]!, null)
    side = (await repos.commitFiles('r', { branch: 'side', parentCommitId: ids[3]!, changes: [{ kind: 'put', path: 's.txt', content: text('s\n') }], message: 'side\n', author: who(20), committer: who(20) })).commitId
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('pages newest first with skip and limit', async () => {
    const first = await repos.log('r', ids[0]!, { skip: 0, limit: 3 })
    assert.deepEqual(first.map((c) => c.commitId), ids.slice(0, 3))
    assert.equal(first[0]?.message, 'change 7\n\nbody 7\n')
    assert.equal(first[0]?.author.date, `${1700000000 + 7 * 60} +0000`)
    assert.deepEqual(first[0]?.parents, [ids[1]])
    assert.deepEqual((await repos.log('r', ids[0]!, { skip: 3, limit: 3 })).map((c) => c.commitId), ids.slice(3, 6))
    assert.deepEqual((await repos.log('r', ids[0]!, { skip: 6, limit: 3 })).map((c) => c.commitId), ids.slice(6))
    assert.deepEqual(await repos.log('r', ids[0]!, { skip: 7, limit: 3 }), [])
  })

  it('follows the history of the given commit only (another branch, an abbreviated id)', async () => {
    assert.deepEqual((await repos.log('r', side, { skip: 0, limit: 10 })).map((c) => c.commitId), [side, ...ids.slice(3)])
    assert.deepEqual((await repos.log('r', ids[2]!.slice(0, 10), { skip: 0, limit: 1 })).map((c) => c.commitId), [ids[2]])
  })

  it('refuses what is not a commit id, never passing it to git as an option', async () => {
    const tree = (await repos.getCommit('r', ids[0]!)).treeId
    await assert.rejects(repos.log('r', tree, { skip: 0, limit: 1 }), GitObjectNotFound)
    await assert.rejects(repos.log('r', 'ffffffffffffffffffffffffffffffffffffffff', { skip: 0, limit: 1 }), GitObjectNotFound)
    await assert.rejects(repos.log('r', '--all', { skip: 0, limit: 1 }), GitObjectNotFound)
    await assert.rejects(repos.log('r', 'main', { skip: 0, limit: 1 }), GitObjectNotFound)
    await assert.rejects(repos.log('r', ids[0]!, { skip: -1, limit: 1 }), /invalid log page/)
  })
})
