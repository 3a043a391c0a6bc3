import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { SLIPWAY_BIN, startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())
type Received = { path: string; headers: http.IncomingHttpHeaders; body: string }

describe('notification rules deliver pipeline events to webhooks and Slack', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  let receiver: http.Server
  let base = ''
  const received: Received[] = []
  let flaky = 0
  const dir = tempDir('notify')

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        if (req.url === '/flaky' && flaky++ < 2) {
          res.writeHead(500).end()
          return
        }
        received.push({ path: req.url ?? '', headers: req.headers, body })
        res.writeHead(200).end('ok')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
  })
  after(async () => {
    await server?.stop()
    receiver?.close()
  })

  const cli = (...args: string[]) => run(process.execPath, [SLIPWAY_BIN, 'notifications', ...args, '--data-dir', server.dataDir])

  async function waitFor(test: () => boolean, what: string) {
    for (let i = 0; i < 200; i++) {
      if (test()) return
      await sleep(100)
    }
    throw new Error(`never received ${what}: ${JSON.stringify(received.map((r) => [r.path, r.body.slice(0, 120)]))}`)
  }

  it('signs EventBridge-shaped webhooks, formats Slack messages, and retries with backoff', async () => {
    assert.equal((await cli('create', '--name', 'failures', '--events', 'codepipeline-pipeline-pipeline-execution-failed', '--webhook', `${base}/hook`, '--secret', 's3cret')).code, 0)
    assert.equal((await cli('create', '--name', 'slack', '--events', 'codepipeline-pipeline-pipeline-execution-failed,codepipeline-pipeline-pipeline-execution-succeeded', '--slack', `${base}/slack`)).code, 0)
    assert.equal((await cli('create', '--name', 'flaky', '--events', 'codepipeline-pipeline-pipeline-execution-succeeded', '--resource', 'arn:aws:codepipeline:us-east-1:000000000000:good', '--webhook', `${base}/flaky`)).code, 0)
    const bad = await cli('create', '--name', 'bad', '--events', 'no-such-event', '--webhook', `${base}/x`)
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /unknown event type ids: no-such-event/)
    assert.match((await cli('list')).stdout, /failures\tENABLED\t\*\tcodepipeline-pipeline-pipeline-execution-failed\tWebhook:/)

    const repo = await repoWithPushes(server, dir, 'notify-app')
    await repo.push()
    const commands = (name: string, cmd: string) => ({ name: 'Run', actions: [{ name, actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: [cmd], inputArtifacts: [{ name: 'SourceArtifact' }] }] })
    assert.equal((await createPipeline(server, dir, { name: 'bad', stages: [sourceStage('notify-app'), commands('Fail', 'exit 1')] })).code, 0)
    assert.equal((await createPipeline(server, dir, { name: 'good', stages: [sourceStage('notify-app'), commands('Pass', 'true')] })).code, 0)

    await waitFor(() => received.some((r) => r.path === '/hook'), 'the failure webhook')
    const hook = received.find((r) => r.path === '/hook')!
    assert.equal(hook.headers['x-slipway-signature'], `sha256=${createHmac('sha256', 's3cret').update(hook.body).digest('hex')}`)
    assert.equal(hook.headers['x-slipway-event'], 'CodePipeline Pipeline Execution State Change')
    const body = JSON.parse(hook.body)
    assert.equal(body['detail-type'], 'CodePipeline Pipeline Execution State Change')
    assert.equal(body.source, 'aws.codepipeline')
    assert.equal(body.account, '000000000000')
    assert.deepEqual(body.resources, ['arn:aws:codepipeline:us-east-1:000000000000:bad'])
    assert.equal(body.detail.pipeline, 'bad')
    assert.equal(body.detail.state, 'FAILED')

    await waitFor(() => received.filter((r) => r.path === '/slack').length >= 2, 'two Slack messages')
    const texts = received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body).text as string)
    assert.ok(texts.some((t) => /:x: Pipeline \*bad\* execution `[0-9a-f-]+` FAILED/.test(t)), texts.join('\n'))
    assert.ok(texts.some((t) => /:white_check_mark: Pipeline \*good\*/.test(t)), texts.join('\n'))

    await waitFor(() => received.some((r) => r.path === '/flaky'), 'the flaky delivery after retries')
    const deliveries = (await cli('deliveries', '--rule', 'flaky')).stdout
    assert.match(deliveries, /\tdelivered\tattempts=3\t/)
    assert.ok(!received.some((r) => r.path === '/flaky' && JSON.parse(r.body).detail.pipeline === 'bad'), 'the resource filter holds')
  })
})
