import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'

/** Leftovers of a crash are cleaned up by the next start (issue 15, item 6). */
describe('leftovers after a crash', () => {
  let server: TestServer | undefined
  after(async () => {
    await server?.stop()
  })

  it('aborts a multipart upload whose server died, once it is older than SLIPWAY_INCOMPLETE_UPLOAD_HOURS, and frees its parts', async () => {
    // The first server keeps uploads for the default week (on a busy machine a 2 s age could expire the
    // upload between its creation and its part); the one started after the crash expires them at 2 s.
    const env = { SLIPWAY_INCOMPLETE_UPLOAD_HOURS: '0.0005' }
    server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'] })
    const dataDir = server.dataDir
    assert.equal((await aws(server, ['s3', 'mb', 's3://half'])).code, 0)
    const created = await aws(server, ['s3api', 'create-multipart-upload', '--bucket', 'half', '--key', 'big.bin'])
    assert.equal(created.code, 0, created.stderr)
    const part = path.join(tempDir('part'), 'part.bin')
    fs.writeFileSync(part, Buffer.alloc(2 * 1024 * 1024, 7))
    const uploaded = await aws(server, ['s3api', 'upload-part', '--bucket', 'half', '--key', 'big.bin', '--part-number', '1', '--upload-id', created.json.UploadId, '--body', part])
    assert.equal(uploaded.code, 0, uploaded.stderr)
    // A file listed may be gone by the time it is measured (the expiry removes parts as this reads).
    const sizeOf = (f: string) => {
      try {
        const st = fs.statSync(f)
        return st.isFile() ? st.size : 0
      } catch {
        return 0
      }
    }
    const bytesOnDisk = () => (fs.readdirSync(path.join(dataDir, 'buckets'), { recursive: true }) as string[]).reduce((sum, f) => sum + sizeOf(path.join(dataDir, 'buckets', f)), 0)
    assert.ok(bytesOnDisk() >= 2 * 1024 * 1024)

    // SIGKILL the server process itself (not its launcher), then let the launcher go.
    process.kill((JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number }).pid, 'SIGKILL')
    await server.stop()
    server = await startTestServer({ dataDir, extraArgs: ['--no-runner', '--no-agent'], env })
    const deadline = Date.now() + 90_000
    let uploads: unknown[] = ['pending']
    while (uploads.length > 0 && Date.now() < deadline) {
      uploads = (await aws(server, ['s3api', 'list-multipart-uploads', '--bucket', 'half'])).json?.Uploads ?? []
      if (uploads.length > 0) await new Promise((r) => setTimeout(r, 500))
    }
    assert.deepEqual(uploads, [], "the dead server's upload was aborted")
    while (bytesOnDisk() >= 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    assert.ok(bytesOnDisk() < 1024 * 1024, `its parts are gone from disk (${bytesOnDisk()} bytes left)`)
  })
})
