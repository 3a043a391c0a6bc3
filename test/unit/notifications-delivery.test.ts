import { NOTIFIABLE_TYPES } from '../../src/events/model/event-types.ts'
/**
 * Notification delivery on the real pieces: the SQLite store in a temp dir, the event bus and its
 * listener, the deliverer POSTing to a node:http receiver on 127.0.0.1, time from a manual clock.
 */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { openSqliteStore } from '../../src/infra/sql-store/sql-store.ts'
import type { Store } from '../../src/infra/store.ts'
import { SecretBox } from '../../src/infra/crypto/secret-box.ts'
import { EventBus } from '../../src/events/bus.ts'
import { notificationListener, eventIdFor } from '../../src/events/notifications/listener.ts'
import { NotificationDeliverer } from '../../src/events/notifications/deliverer.ts'
import { createRule } from '../../src/events/notifications/rules.ts'
import { signBody, verifySignature } from '../../src/events/notifications/sign.ts'
import { ManualClock } from '../helpers/manual-clock.ts'

const ACCOUNT = '000000000000'
const PIPE = `arn:aws:codepipeline:us-east-1:${ACCOUNT}:seed`
const FAILED = 'codepipeline-pipeline-pipeline-execution-failed'

describe('notifications: HMAC signature', () => {
  it('matches the published HMAC-SHA256 test vector', () => {
    assert.equal(signBody('The quick brown fox jumps over the lazy dog', 'key'), 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8')
  })
  it('verifies over the raw bytes only', () => {
    const body = '{"a":1}'
    assert.equal(verifySignature(body, 's', signBody(body, 's')), true)
    assert.equal(verifySignature('{"a": 1}', 's', signBody(body, 's')), false)
    assert.equal(verifySignature(body, 't', signBody(body, 's')), false)
    assert.equal(verifySignature(body, 's', undefined), false)
  })
  it('gives every event one stable, UUID-shaped id', () => {
    const e = { seq: 42, at: new Date(0) }
    assert.equal(eventIdFor(ACCOUNT, e), eventIdFor(ACCOUNT, e))
    assert.notEqual(eventIdFor(ACCOUNT, e), eventIdFor(ACCOUNT, { ...e, seq: 43 }))
    assert.match(eventIdFor(ACCOUNT, e), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

type Hit = { url: string; headers: http.IncomingHttpHeaders; body: string }

describe('notifications: listener, store and deliverer', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-notify-unit-'))
  let receiver: http.Server
  let base = ''
  const hits: Hit[] = []
  /** Per-path scripted answers (status codes), then 200. `hang` never answers. */
  const script = new Map<string, (number | 'hang')[]>()
  let n = 0
  let store: Store
  let clock: ManualClock
  let bus: EventBus
  const box = new SecretBox(randomBytes(32))
  const errors: unknown[] = []

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        hits.push({ url: req.url ?? '', headers: req.headers, body })
        const next = script.get(req.url ?? '')?.shift() ?? 200
        if (next === 'hang') return
        res.writeHead(next).end(next === 200 ? 'ok' : `boom ${next}`)
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`
  })
  after(() => {
    receiver.closeAllConnections()
    receiver.close()
    fs.rmSync(root, { recursive: true, force: true })
  })
  beforeEach(async () => {
    hits.length = 0
    script.clear()
    const dir = path.join(root, `d${++n}`)
    fs.mkdirSync(dir)
    store = await openSqliteStore(dir)
    clock = new ManualClock(Date.parse('2026-11-24T10:00:00Z'))
    bus = new EventBus(store, clock, (err) => errors.push(err))
    bus.subscribe('notifications', NOTIFIABLE_TYPES, notificationListener({ store, clock, region: 'us-east-1', accountId: ACCOUNT, baseUrl: () => 'http://console.test' }))
  })

  const deps = () => ({ store, box, clock, region: 'us-east-1', accountId: ACCOUNT })
  const deliverer = (options: ConstructorParameters<typeof NotificationDeliverer>[1] = {}) =>
    new NotificationDeliverer({ store: store.notifications, clock, box }, { random: () => 0.5, onError: (err) => errors.push(err), ...options })
  async function publish(state: string, pipeline = 'seed') {
    await store.events.append({ type: 'CodePipeline Pipeline Execution State Change', source: 'aws.codepipeline', resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:${pipeline}`, detail: { pipeline, 'execution-id': 'e-1', version: 1, state }, at: clock.now() })
    await bus.flush()
  }

  it('enqueues one delivery per matching rule target, rendered, and sends it signed', async () => {
    await createRule(deps(), { name: 'hook', resource: PIPE, eventTypeIds: [FAILED], targets: [{ type: 'Webhook', address: `${base}/hook`, secret: 's3cret' }, { type: 'Slack', address: `${base}/slack` }] })
    await createRule(deps(), { name: 'other', resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:other`, eventTypeIds: ['*'], targets: [{ type: 'Slack', address: `${base}/other` }] })
    await publish('STARTED')
    await publish('FAILED')
    const pending = await store.notifications.deliveries({ limit: 10 })
    assert.deepEqual(pending.map((d) => [d.ruleName, d.targetType, d.status, d.attempts]).sort(), [['hook', 'Slack', 'pending', 0], ['hook', 'Webhook', 'pending', 0]])
    // The sealed secret is not the secret.
    const stored = (await store.notifications.getRule('hook'))!
    assert.ok(stored.targets[0]!.secretSealed && !stored.targets[0]!.secretSealed.includes('s3cret'))

    await deliverer().drain()
    assert.equal(hits.length, 2)
    const hook = hits.find((h) => h.url === '/hook')!
    assert.equal(hook.headers['x-slipway-signature'], signBody(hook.body, 's3cret'))
    assert.equal(hook.headers['x-slipway-event'], 'CodePipeline Pipeline Execution State Change')
    assert.equal(hook.headers['x-slipway-attempt'], '1')
    assert.equal(hook.headers['content-type'], 'application/json; charset=utf-8')
    const body = JSON.parse(hook.body)
    assert.equal(body['detail-type'], 'CodePipeline Pipeline Execution State Change')
    assert.equal(body.detail.state, 'FAILED')
    assert.equal(hook.headers['x-slipway-delivery'], pending.find((d) => d.targetType === 'Webhook')!.id)
    const slack = hits.find((h) => h.url === '/slack')!
    assert.equal(slack.headers['x-slipway-signature'], undefined)
    assert.equal(JSON.parse(slack.body).text, ':x: Pipeline *seed* execution `e-1` FAILED — <http://console.test/#/pipelines/seed/executions/e-1|View execution>')
    assert.equal(JSON.parse(slack.body).blocks[0].type, 'section')
    const done = await store.notifications.deliveries({ ruleName: 'hook', limit: 10 })
    assert.deepEqual(done.map((d) => [d.status, d.attempts, d.lastStatusCode]), [['delivered', 1, 200], ['delivered', 1, 200]])
    assert.ok(done.every((d) => d.deliveredAt?.getTime() === clock.now().getTime()))
  })

  it('is idempotent when the bus publishes an event twice', async () => {
    await createRule(deps(), { name: 'hook', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Webhook', address: `${base}/hook` }] })
    const listener = notificationListener({ store, clock, region: 'us-east-1', accountId: ACCOUNT, baseUrl: () => '' })
    const event = { seq: 99, position: { tx: 0, seq: 99 }, type: 'codebuild.BuildStateChange', source: 'aws.codebuild', resource: `arn:aws:codebuild:us-east-1:${ACCOUNT}:build/app:1`, detail: { 'build-id': 'app:1', 'project-name': 'app', 'build-status': 'FAILED' }, at: clock.now() }
    await listener(event)
    await listener(event)
    assert.equal((await store.notifications.deliveries({ limit: 10 })).length, 1)
  })

  it('retries with backoff on the clock, then delivers; gives up after the last attempt', async () => {
    await createRule(deps(), { name: 'flaky', resource: '*', eventTypeIds: [FAILED], targets: [{ type: 'Webhook', address: `${base}/flaky`, secret: 'k' }] })
    await createRule(deps(), { name: 'dead', resource: '*', eventTypeIds: [FAILED], targets: [{ type: 'Webhook', address: `${base}/dead`, secret: 'k' }] })
    script.set('/flaky', [500, 503])
    script.set('/dead', [500, 500, 500, 500])
    await publish('FAILED')
    const d = deliverer({ maxAttempts: 3 })
    await d.drain()
    const state = async (rule: string) => (await store.notifications.deliveries({ ruleName: rule, limit: 1 }))[0]!
    let flaky = await state('flaky')
    assert.deepEqual([flaky.status, flaky.attempts, flaky.lastStatusCode, flaky.lastError], ['pending', 1, 500, 'HTTP 500: boom 500'])
    assert.equal(flaky.nextAttemptAt.getTime(), clock.now().getTime() + 1000)
    await d.drain() // not due yet: nothing is sent
    assert.equal(hits.length, 2)
    clock.advance(1000)
    await d.drain()
    flaky = await state('flaky')
    assert.deepEqual([flaky.status, flaky.attempts, flaky.lastStatusCode], ['pending', 2, 503])
    assert.equal(flaky.nextAttemptAt.getTime(), clock.now().getTime() + 2000)
    clock.advance(2000)
    await d.drain()
    flaky = await state('flaky')
    assert.deepEqual([flaky.status, flaky.attempts, flaky.lastStatusCode, flaky.lastError], ['delivered', 3, 200, undefined])
    const dead = await state('dead')
    assert.deepEqual([dead.status, dead.attempts, dead.lastError], ['failed', 3, 'HTTP 500: boom 500'])
    assert.deepEqual(hits.filter((h) => h.url === '/flaky').map((h) => h.headers['x-slipway-attempt']), ['1', '2', '3'])
    assert.equal(hits.filter((h) => h.url === '/dead').length, 3)
    // Every attempt carries the same body and a valid signature.
    assert.ok(hits.every((h) => verifySignature(h.body, 'k', h.headers['x-slipway-signature'] as string)))
  })

  it('times out a silent endpoint and reports refused connections', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}/gone`
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    script.set('/hang', ['hang'])
    await createRule(deps(), { name: 'slow', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Webhook', address: `${base}/hang` }, { type: 'Slack', address: closedUrl }] })
    await publish('FAILED')
    await deliverer({ timeoutMs: 200 }).drain()
    const ds = await store.notifications.deliveries({ ruleName: 'slow', limit: 5 })
    assert.deepEqual(ds.map((x) => [x.targetType, x.status, x.lastError]).sort(), [['Slack', 'pending', 'ECONNREFUSED'], ['Webhook', 'pending', 'timed out after 200 ms']])
  })

  it('claims each attempt once, and keeps deliveries across a restart', async () => {
    await createRule(deps(), { name: 'hook', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Slack', address: `${base}/s` }] })
    await publish('FAILED')
    const [due] = await store.notifications.due(clock.now(), 10)
    assert.ok(due)
    const lease = new Date(clock.now().getTime() + 60_000)
    assert.equal(await store.notifications.claim(due.id, 0, lease, clock.now()), true)
    assert.equal(await store.notifications.claim(due.id, 0, lease, clock.now()), false)
    assert.deepEqual(await store.notifications.due(clock.now(), 10), [])
    // The claimer "crashed": after the lease the attempt is due again, in a store opened afresh.
    const dir = path.join(root, `d${n}`)
    store.close()
    store = await openSqliteStore(dir)
    clock.advance(60_000)
    const again = await store.notifications.due(clock.now(), 10)
    assert.deepEqual(again.map((x) => [x.id, x.attempts]), [[due.id, 1]])
    await deliverer().drain()
    assert.equal((await store.notifications.deliveries({ limit: 1 }))[0]!.status, 'delivered')
    assert.equal(hits.length, 1)
  })

  it('skips disabled rules, and deleting a rule deletes its deliveries', async () => {
    await createRule(deps(), { name: 'hook', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Slack', address: `${base}/s` }] })
    await store.notifications.setRuleStatus('hook', 'DISABLED', clock.now())
    await publish('FAILED')
    assert.equal((await store.notifications.deliveries({ limit: 10 })).length, 0)
    await store.notifications.setRuleStatus('hook', 'ENABLED', clock.now())
    await publish('SUCCEEDED')
    assert.equal((await store.notifications.deliveries({ limit: 10 })).length, 1)
    await assert.rejects(createRule(deps(), { name: 'hook', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Slack', address: `${base}/s` }] }), /already exists/)
    assert.equal(await store.notifications.deleteRule('hook'), true)
    assert.equal((await store.notifications.deliveries({ limit: 10 })).length, 0)
  })

  it('generates a webhook secret when none is given', async () => {
    const { rule, generatedSecrets } = await createRule(deps(), { name: 'gen', resource: '*', eventTypeIds: ['*'], targets: [{ type: 'Slack', address: `${base}/s` }, { type: 'Webhook', address: `${base}/w` }] })
    assert.equal(generatedSecrets.length, 1)
    assert.equal(generatedSecrets[0]!.targetIndex, 1)
    assert.equal(box.open(rule.targets[1]!.secretSealed!), generatedSecrets[0]!.secret)
    assert.match(rule.arn, /^arn:aws:codestar-notifications:us-east-1:000000000000:notificationrule\/[0-9a-f]{40}$/)
  })

  it('had no listener or deliverer errors', () => assert.deepEqual(errors, []))
})
