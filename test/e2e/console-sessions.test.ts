import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, SLIPWAY_BIN, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'

/**
 * A console session lives no longer than the key that opened it, and a build's temporary key opens no
 * session at all (issue 15, item 1).
 */
describe('console sessions and the keys behind them', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
  })
  after(async () => {
    await server?.stop()
  })

  const slipway = (args: string[]) => run(process.execPath, [SLIPWAY_BIN, ...args, '--data-dir', server.dataDir])
  const newKey = async (user: string) => {
    const out = (await slipway(['keys', 'create', '--user', user])).stdout
    return { id: /AccessKeyId\s+(\S+)/.exec(out)![1]!, secret: /SecretAccessKey\s+(\S+)/.exec(out)![1]! }
  }
  const cookieOf = (res: Response) => /slipway_console=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0]
  const sessionStatus = async (cookie: string) => (await fetch(`${server.url}/console/api/session`, { headers: { cookie } })).status

  it('ends a session opened with a key once the key is deleted', async () => {
    const alice = await newKey('alice')
    const signIn = await fetch(`${server.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId: alice.id, secretAccessKey: alice.secret }) })
    assert.equal(signIn.status, 200)
    const cookie = cookieOf(signIn)!
    assert.equal(await sessionStatus(cookie), 200)
    assert.equal((await slipway(['keys', 'delete', alice.id])).code, 0)
    assert.equal(await sessionStatus(cookie), 401, 'the session died with its key')
  })

  it('ends a session opened through a login link once the key that asked for the link is deleted', async () => {
    const bob = await newKey('bob')
    const link = await fetch(`${server.url}/console/login-links`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${bob.id}:${bob.secret}`).toString('base64')}` } })
    assert.equal(link.status, 200)
    const login = await fetch(`${server.url}${((await link.json()) as { path: string }).path}`, { redirect: 'manual' })
    const cookie = cookieOf(login)!
    assert.ok(cookie, 'the link signed bob in')
    assert.equal(await sessionStatus(cookie), 200)
    assert.equal((await slipway(['keys', 'delete', bob.id])).code, 0)
    assert.equal(await sessionStatus(cookie), 401)
  })

  it('opens no session for a build\'s own key, from inside the build', async () => {
    const buildspec = [
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands:',
      '      - |',
      '        body="{\\"accessKeyId\\":\\"$AWS_ACCESS_KEY_ID\\",\\"secretAccessKey\\":\\"$AWS_SECRET_ACCESS_KEY\\"}"',
      '        code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "content-type: application/json" -d "$body" "$AWS_ENDPOINT_URL/console/api/session")',
      '        echo "console answered $code"',
      '        test "$code" = 403',
    ].join('\n')
    const created = await aws(server, ['codebuild', 'create-project', '--name', 'sneaky', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec }), '--artifacts', 'type=NO_ARTIFACTS',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'sneaky'])
    const client = codeBuildClient(server)
    const build = await waitForBuild(client, started.json.build.id, { timeoutMs: 60_000 })
    client.destroy()
    const log = (await slipway(['logs', build.id!])).stdout
    assert.equal(build.buildStatus, 'SUCCEEDED', log)
    assert.match(log, /console answered 403/)
  })
})
