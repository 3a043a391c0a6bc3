/**
 * Notification rules end to end: the real server (host executor), rules made with the real
 * `slipway notifications` CLI on its data dir, pipelines made with the AWS CLI and run by a git push,
 * and a node:http receiver on 127.0.0.1 standing in for webhook endpoints and Slack.
 */
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
type Received = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number }

const sign = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
const commandsStage = (name: string, command: string) => ({
  name: 'Run',
  actions: [{ name, actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, configuration: {}, commands: [command], inputArtifacts: [{ name: 'SourceArtifact' }] }],
})

describe('notifications: pipeline events to webhooks and Slack', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  let receiver: http.Server
  let base = ''
  const received: Received[] = []
  const refused: Received[] = []
  const dir = tempDir('notifications')

  before(async () => {
    let flaky = 0
    receiver = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        const hit = { path: req.url ?? '', headers: req.headers, body, at: Date.now() }
        // The flaky endpoint answers 500 twice, then 200.
        if (hit.path === '/flaky' && flaky++ < 2) {
          refused.push(hit)
          res.writeHead(500).end('not yet')
          return
        }
        received.push(hit)
        res.writeHead(200).end('ok')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
  })
  after(async () => {
    if (process.env.SLIPWAY_TEST_DEBUG) console.log(server?.output())
    await server?.stop()
    receiver?.closeAllConnections()
    receiver?.close()
  })

  const cli = (...args: string[]) => run(process.execPath, [SLIPWAY_BIN, 'notifications', ...args, '--data-dir', server.dataDir])
  async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = find()
      if (found) return found
      if (Date.now() > deadline) throw new Error(`never received ${what}; got ${JSON.stringify(received.map((r) => [r.path, r.body.slice(0, 160)]))}\n${(await cli('deliveries')).stdout}`)
      await sleep(50)
    }
  }

  it('delivers signed EventBridge events and Slack messages, and retries a failing endpoint with backoff', async () => {
    const healthyArn = 'arn:aws:codepipeline:us-east-1:000000000000:healthy'
    const created = await cli('create', '--name', 'failures', '--events', 'codepipeline-pipeline-pipeline-execution-failed', '--resource', '*', '--webhook', `${base}/hook`, '--secret', 's3cret', '--detail', 'FULL')
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^created failures\tarn:aws:codestar-notifications:us-east-1:000000000000:notificationrule\/[0-9a-f]{40}\n$/)
    const slack = await cli('create', '--name', 'chat', '--events', 'codepipeline-pipeline-pipeline-execution-failed,codepipeline-pipeline-pipeline-execution-succeeded', '--slack', `${base}/slack`)
    assert.equal(slack.code, 0, slack.stderr)
    const flaky = await cli('create', '--name', 'flaky', '--events', 'codepipeline-pipeline-pipeline-execution-succeeded', '--resource', healthyArn, '--webhook', `${base}/flaky`)
    assert.equal(flaky.code, 0, flaky.stderr)
    const generated = /^secret for \S+: (\S+)$/m.exec(flaky.stdout)?.[1]
    assert.ok(generated, flaky.stdout)

    const unknown = await cli('create', '--name', 'bad', '--events', 'codepipeline-pipeline-no-such-event', '--webhook', `${base}/x`)
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /Unknown event type id 'codepipeline-pipeline-no-such-event'/)
    assert.equal((await cli('create', '--name', 'chat', '--events', '*', '--slack', `${base}/slack`)).code, 1)
    const listed = (await cli('list')).stdout
    assert.match(listed, /^failures\tENABLED\tFULL\t\*\tcodepipeline-pipeline-pipeline-execution-failed\tWebhook:http:\/\/127\.0\.0\.1:\d+\/hook$/m)
    assert.match(listed, new RegExp(`^flaky\tENABLED\tBASIC\t${healthyArn}\t`, 'm'))
    assert.ok(!listed.includes('s3cret'))

    // Rules are in place before the server sees any event: it reads them from the store per event.
    const repo = await repoWithPushes(server, dir, 'notify-app')
    await repo.push()
    assert.equal((await createPipeline(server, dir, { name: 'broken', stages: [sourceStage('notify-app'), commandsStage('Fail', 'exit 1')] })).code, 0)
    assert.equal((await createPipeline(server, dir, { name: 'healthy', stages: [sourceStage('notify-app'), commandsStage('Pass', 'true')] })).code, 0)

    // The webhook: an EventBridge event, signed with the rule's secret.
    const hook = await waitFor(() => received.find((r) => r.path === '/hook'), 'the failure webhook')
    assert.equal(hook.headers['x-slipway-signature'], sign(hook.body, 's3cret'))
    assert.equal(hook.headers['x-slipway-event'], 'CodePipeline Pipeline Execution State Change')
    assert.match(String(hook.headers['x-slipway-delivery']), /^[0-9a-f-]{36}$/)
    const event = JSON.parse(hook.body)
    assert.deepEqual(Object.keys(event).slice(0, 9), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'])
    assert.equal(event.version, '0')
    assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(event['detail-type'], 'CodePipeline Pipeline Execution State Change')
    assert.equal(event.source, 'aws.codepipeline')
    assert.equal(event.account, '000000000000')
    assert.equal(event.region, 'us-east-1')
    assert.match(event.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.deepEqual(event.resources, ['arn:aws:codepipeline:us-east-1:000000000000:broken'])
    assert.equal(event.detail.pipeline, 'broken')
    assert.equal(event.detail.state, 'FAILED')
    assert.match(event.detail['execution-id'], /^[0-9a-f-]{36}$/)
    // FULL: where it failed.
    assert.match(event.notificationRuleArn, /^arn:aws:codestar-notifications:/)
    assert.equal(event.additionalAttributes.failedStage, 'Run')
    assert.equal(event.additionalAttributes.failedActions[0].action, 'Fail')
    assert.equal(received.filter((r) => r.path === '/hook').length, 1, 'only the failed execution matches the failures rule')

    // Slack: one readable line per execution, linking the console.
    const texts = await waitFor(() => {
      const t = received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body).text as string)
      return t.length >= 2 ? t : undefined
    }, 'two Slack messages')
    const failedText = texts.find((t) => t.startsWith(':x:'))
    assert.match(failedText ?? '', new RegExp(`^:x: Pipeline \\*broken\\* execution \`${event.detail['execution-id']}\` FAILED at stage Run — <${server.url}/#/pipelines/broken/executions/${event.detail['execution-id']}\\|View execution>$`))
    assert.ok(texts.some((t) => /^:white_check_mark: Pipeline \*healthy\* execution `[0-9a-f-]+` SUCCEEDED/.test(t)), texts.join('\n'))
    assert.ok(received.filter((r) => r.path === '/slack').every((r) => r.headers['x-slipway-signature'] === undefined))

    // The flaky endpoint: 500, 500, then 200 on the third attempt, 1 s and 2 s apart (±10 %).
    const ok = await waitFor(() => received.find((r) => r.path === '/flaky'), 'the flaky delivery after retries')
    assert.equal(refused.length, 2)
    assert.deepEqual([...refused, ok].map((r) => r.headers['x-slipway-attempt']), ['1', '2', '3'])
    assert.ok([...refused, ok].every((r) => r.body === ok.body && r.headers['x-slipway-signature'] === sign(ok.body, generated)))
    const gaps = [refused[1]!.at - refused[0]!.at, ok.at - refused[1]!.at]
    assert.ok(gaps[0]! >= 850 && gaps[0]! < 2000 && gaps[1]! >= 1750 && gaps[1]! < 3500, `gaps ${gaps.join(', ')}`)
    assert.equal(JSON.parse(ok.body).detail.pipeline, 'healthy')

    // The row is settled just after the response: poll the CLI until it says delivered.
    let rows: string[] = []
    for (let i = 0; i < 100 && !rows[1]?.includes('\tdelivered\t'); i++) {
      if (i > 0) await sleep(50)
      rows = (await cli('deliveries', '--rule', 'flaky')).stdout.split('\n').filter(Boolean)
    }
    assert.deepEqual(rows[0]!.split('\t'), ['ID', 'RULE', 'TARGET', 'EVENT', 'STATUS', 'ATTEMPTS', 'HTTP', 'CREATED', 'NEXT_OR_DONE', 'LAST_ERROR'])
    assert.equal(rows.length, 2, rows.join('\n'))
    const cols = rows[1]!.split('\t')
    assert.deepEqual([cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]], ['flaky', `Webhook:${base}/flaky`, 'CodePipeline Pipeline Execution State Change', 'delivered', '3', '200'])
    assert.equal(cols[9], '', 'a delivered delivery keeps no error')
    assert.match((await cli('deliveries', '--status', 'delivered')).stdout, /\tchat\tSlack:/)

    // Disabling and deleting.
    assert.equal((await cli('disable', 'chat')).code, 0)
    assert.match((await cli('list')).stdout, /^chat\tDISABLED\t/m)
    assert.equal((await cli('delete', 'chat')).code, 0)
    assert.equal((await cli('delete', 'chat')).code, 1)
    assert.doesNotMatch((await cli('list')).stdout, /^chat\t/m)
  })
})
