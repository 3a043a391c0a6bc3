import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawn } from 'node:child_process'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { basicUrl, gitOk, makeWorkTree } from '../helpers/git.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())

/** The pid of the server process itself (the launcher's child), from the file `slipway up` writes. */
function serverPid(dataDir: string): number {
  return (JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number }).pid
}

describe('a server killed with SIGKILL during a push', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer | undefined
  after(async () => {
    await server?.stop()
  })

  it('restarts cleanly and the repository is intact: the push either landed or did not', async (t) => {
    const dataDir = tempDir('crash')
    server = await startTestServer({ dataDir })
    await aws(server, ['codecommit', 'create-repository', '--repository-name', 'crashy'])
    const work = tempDir('crash-work')
    const first = await makeWorkTree(work, { 'a.txt': 'one\n' })
    const url = basicUrl(server.url, 'crashy', server.accessKeyId, server.secretAccessKey)
    await gitOk(work, ['push', '-q', url, 'main'])

    // A large incompressible second commit, so the push is still streaming when the server dies.
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(work, `blob-${i}.bin`), randomBytes(8 * 1024 * 1024))
    await gitOk(work, ['add', '-A'])
    await gitOk(work, ['commit', '-q', '-m', 'big'])
    const second = (await gitOk(work, ['rev-parse', 'HEAD'])).trim()

    const repoId = (await aws(server, ['codecommit', 'get-repository', '--repository-name', 'crashy'])).json.repositoryMetadata.repositoryId as string
    const bare = path.join(dataDir, 'git', `${repoId}.git`)
    const push = spawn('git', ['-c', 'core.compression=0', 'push', '-q', url, 'main'], { cwd: work, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } })
    const pushDone = new Promise<number | null>((resolve) => push.on('exit', resolve))
    // Kill as soon as receive-pack is taking in objects (its quarantine folder exists), or after 5 s.
    for (let waited = 0; waited < 5000; waited += 10) {
      if (fs.readdirSync(path.join(bare, 'objects')).some((f) => f.startsWith('incoming-') || f.startsWith('tmp_objdir'))) break
      await sleep(10)
    }
    t.diagnostic(`receive-pack was taking objects when killed: ${fs.readdirSync(path.join(bare, 'objects')).some((f) => f.startsWith('incoming-') || f.startsWith('tmp_objdir'))}`)
    process.kill(serverPid(dataDir), 'SIGKILL')
    await server.stop()
    await pushDone

    server = await startTestServer({ dataDir })
    const fsck = await run('git', ['--git-dir', bare, 'fsck', '--strict', '--no-dangling'])
    assert.equal(fsck.code, 0, `git fsck: ${fsck.stdout}${fsck.stderr}`)
    const tip = (await aws(server, ['codecommit', 'get-branch', '--repository-name', 'crashy', '--branch-name', 'main'])).json.branch.commitId
    assert.ok(tip === first || tip === second, `branch is at a pushed commit, not something in between (${tip})`)
    t.diagnostic(`the interrupted push ${tip === second ? 'landed' : 'did not land'}`)

    // The repository keeps working: the push now goes through.
    await gitOk(work, ['push', '-q', basicUrl(server.url, 'crashy', server.accessKeyId, server.secretAccessKey), 'main'])
    const after = (await aws(server, ['codecommit', 'get-branch', '--repository-name', 'crashy', '--branch-name', 'main'])).json.branch.commitId
    assert.equal(after, second)
  })
})
