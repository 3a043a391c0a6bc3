import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { startTestServer, tempDir, SLIPWAY_BIN, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'
import http from 'node:http'
import { signRequest } from '../../src/protocol/sigv4/sign-request.ts'

/**
 * Sends the headers of a POST declaring `length` bytes and only 1 KiB of its body, and resolves with
 * the response: the server must answer without waiting for the rest.
 */
function answerBeforeBody(url: string, headers: Record<string, string>, length: number, path = '/'): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(length) } }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.connection ? { connection: res.headers.connection } : {}) }))
    })
    req.on('error', reject)
    req.setTimeout(60_000, () => req.destroy(new Error('no answer while the body was still coming: the server waited for it')))
    req.write(Buffer.alloc(1024, 32))
  })
}

/** Bounds on hostile input, configured per process, with clear errors (issue 15, item 4; docs/limits.md). */
describe('input limits', () => {
  let server: TestServer
  const dir = tempDir('limits')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'], env: { SLIPWAY_MAX_UNPACKED_MB: '2', SLIPWAY_MAX_BUILDSPEC_KB: '8' } })
    assert.equal((await aws(server, ['s3', 'mb', 's3://sources'])).code, 0)
  })
  after(async () => {
    await server?.stop()
  })

  const build = async (name: string, source: Record<string, unknown>) => {
    const created = await aws(server, ['codebuild', 'create-project', '--name', name, '--source', JSON.stringify(source), '--artifacts', 'type=NO_ARTIFACTS',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', name])
    const client = codeBuildClient(server)
    const b = await waitForBuild(client, started.json.build.id, { timeoutMs: 60_000 })
    client.destroy()
    return b
  }

  it('fails a build whose source zip would unpack past SLIPWAY_MAX_UNPACKED_MB, in DOWNLOAD_SOURCE, saying so', async () => {
    const zip = path.join(dir, 'bomb.zip')
    const made = await run('python3', ['-c', `import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr('buildspec.yml', 'version: 0.2\\nphases:\\n  build:\\n    commands:\\n      - echo hi\\n')\n    z.writestr('zeros.bin', bytes(8 * 1024 * 1024))`, zip])
    assert.equal(made.code, 0, made.stderr)
    assert.equal((await aws(server, ['s3', 'cp', zip, 's3://sources/bomb.zip'])).code, 0)
    const b = await build('bomb', { type: 'S3', location: 'sources/bomb.zip' })
    assert.equal(b.buildStatus, 'FAILED')
    const phase = b.phases?.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')
    assert.equal(phase?.phaseStatus, 'FAILED')
    assert.match(phase?.contexts?.[0]?.message ?? '', /unpacks to \d+ bytes, more than the limit of 2097152 \(SLIPWAY_MAX_UNPACKED_MB=2\)/)
  })

  it('fails a build whose buildspec is larger than SLIPWAY_MAX_BUILDSPEC_KB with a YAML_FILE_ERROR naming the limit', async () => {
    const buildspec = `version: 0.2\nphases:\n  build:\n    commands:\n${'      - echo padding\n'.repeat(600)}`
    const b = await build('huge-spec', { type: 'NO_SOURCE', buildspec })
    assert.equal(b.buildStatus, 'FAILED')
    const context = b.phases?.flatMap((p) => p.contexts ?? []).find((c) => c.statusCode === 'YAML_FILE_ERROR')
    assert.match(context?.message ?? '', /The buildspec is \d+ KiB, more than the limit of 8 KiB \(SLIPWAY_MAX_BUILDSPEC_KB\)/)
  })

  it('refuses to start with a malformed limit', async () => {
    const res = await run(process.execPath, [SLIPWAY_BIN, 'up', '--port', '0', '--data-dir', tempDir('bad-limit')], { env: { SLIPWAY_MAX_UNPACKED_MB: 'lots' }, timeoutMs: 30_000 })
    assert.notEqual(res.code, 0)
    assert.match(res.stderr + res.stdout, /SLIPWAY_MAX_UNPACKED_MB must be a positive integer, got lots/)
  })

  it('refuses an unsigned or unknown-key request, or one declaring too large a body, before reading the body, and closes the connection', async () => {
    const json = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodeBuild_20161006.ListProjects' }
    const unsigned = await answerBeforeBody(server.url, json, 16 * 1024 * 1024)
    assert.equal(unsigned.status, 403)
    assert.match(unsigned.body, /MissingAuthenticationTokenException/)
    assert.equal(unsigned.connection, 'close')
    const made = signRequest({ url: server.url, method: 'POST', region: 'us-east-1', service: 'codebuild', credentials: { accessKeyId: 'AKIAMADEUPMADEUPMADE', secretAccessKey: 'x' }, body: '{}', headers: json })
    delete made.host
    const unknown = await answerBeforeBody(server.url, made, 16 * 1024 * 1024)
    assert.equal(unknown.status, 403)
    assert.match(unknown.body, /UnrecognizedClientException/)
    const signed = signRequest({ url: server.url, method: 'POST', region: 'us-east-1', service: 'codebuild', credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }, body: '{}', headers: json })
    delete signed.host
    const huge = await answerBeforeBody(server.url, signed, 64 * 1024 * 1024)
    assert.equal(huge.status, 413)
    assert.match(huge.body, /RequestEntityTooLarge/)
    const runnerCall = await answerBeforeBody(server.url, { 'content-type': 'application/json' }, 8 * 1024 * 1024, '/runner/v1/next')
    assert.equal(runnerCall.status, 403, 'the runner protocol too')
  })
})
