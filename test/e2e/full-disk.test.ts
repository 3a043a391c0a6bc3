import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'

/** A small tmpfs for the data dir (root only); why not, when it cannot be made. */
async function smallDisk(): Promise<{ dir: string } | { skip: string }> {
  const dir = tempDir('small-disk')
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', dir])
  if (mounted.code === 0) return { dir }
  const reason = `cannot mount a tmpfs here (${mounted.stderr.trim()}); the full-disk test needs root`
  if (process.env.SLIPWAY_TEST_REQUIRE_ROOT === '1') throw new Error(`required in CI: ${reason}`)
  return { skip: reason }
}

/** Fills the file system holding `dir` to the last byte. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler')
  const fd = fs.openSync(file, 'w')
  const block = Buffer.alloc(1024 * 1024)
  try {
    for (;;) fs.writeSync(fd, block)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
    for (const size of [65536, 4096, 512, 1]) {
      try {
        for (;;) fs.writeSync(fd, block.subarray(0, size))
      } catch {
        // smaller pieces next
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  return file
}

/** The server on a full disk: clear errors, no exit, one log line, recovery, and a clean stop (issue 15, item 3). */
describe('a full disk', () => {
  let disk: { dir: string } | { skip: string }
  let server: TestServer | undefined

  before(async () => {
    disk = await smallDisk()
  })
  after(async () => {
    await server?.stop()
    if ('dir' in disk) await run('umount', ['-l', disk.dir])
  })

  it('answers writes with each protocol\'s 503 naming the cause, keeps serving reads, recovers when space returns, and stops on SIGTERM', async (t) => {
    if ('skip' in disk) return t.skip(disk.skip)
    server = await startTestServer({ dataDir: path.join(disk.dir, 'data'), extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://kept'])).code, 0)
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'before'])).code, 0)
    const small = path.join(tempDir('small'), 'small.txt')
    fs.writeFileSync(small, 'small\n')

    const filler = fill(disk.dir)
    for (const name of ['full-1', 'full-2', 'full-3']) {
      const res = await aws(server, ['codecommit', 'create-repository', '--repository-name', name])
      assert.equal(res.errorCode, 'ServiceUnavailableException', res.stderr)
      assert.match(res.stderr, /disk is full/)
    }
    const put = await aws(server, ['s3', 'cp', small, 's3://kept/small.txt'])
    assert.notEqual(put.code, 0)
    assert.match(put.stderr, /ServiceUnavailable/)
    const listed = await aws(server, ['codecommit', 'list-repositories'])
    assert.deepEqual(listed.json.repositories.map((r: { repositoryName: string }) => r.repositoryName), ['before'], 'reads still work')
    assert.equal((await fetch(`${server.url}/health`)).status, 200, 'the server is alive')
    assert.equal(server.output().split('the disk is full').length - 1, 1, 'logged once, not per request')

    fs.rmSync(filler)
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'after'])).code, 0, 'writes work again once space returns')
    assert.equal((await aws(server, ['s3', 'cp', small, 's3://kept/small.txt'])).code, 0)

    fill(disk.dir)
    const code = await server.stop()
    server = undefined
    assert.equal(code, 0, 'SIGTERM stops the server while the disk is full')
  })
})
