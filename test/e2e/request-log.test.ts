import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'

/** `--log-level debug` logs one line per request, never a secret (issue 14, item 7). */
describe('request logging', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent', '--log-level', 'debug'] })
  })
  after(async () => {
    await server?.stop()
  })

  it('logs method, path or target, principal, status, duration and request id of each request', async () => {
    const listed = await aws(server, ['codecommit', 'list-repositories'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.notEqual((await aws(server, ['codebuild', 'start-build', '--project-name', 'nope'])).code, 0)
    const deadline = Date.now() + 30_000
    const lines = () => server.output().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l) as Record<string, unknown>)
    while (lines().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const ok = lines().find((l) => l.target === 'CodeCommit_20150413.ListRepositories')
    assert.ok(ok, server.output().slice(-2000))
    assert.equal(ok.method, 'POST')
    assert.equal(ok.principal, 'root')
    assert.equal(ok.status, 200)
    assert.equal(typeof ok.durationMs, 'number')
    assert.match(String(ok.requestId), /^[0-9a-f-]{36}$/)
    assert.ok(lines().some((l) => l.target === 'CodeBuild_20161006.StartBuild' && l.status === 400), 'failed requests are logged with their status')
    assert.ok(!server.output().includes(server.secretAccessKey), 'no secret in the log')
  })
})
