/**
 * The agent against a scripted stand-in for the server, over real sockets: every request is checked
 * with Slipway's own SigV4 verifier, and the test asserts the exact sequence and bodies the agent
 * sends — registration, tags, PollHostCommand, GetDeploymentSpecification, acknowledgement (with
 * IsCommandNoop), heartbeats, completion diagnostics — plus the signed path-style S3 download, back-off
 * after server errors, and stop() abandoning a running script.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startAgent } from '../../src/agent/agent.ts'
import type { AgentHandle } from '../../src/agent/agent.ts'
import { sha256Hex, verifyRequest } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup } from '../../src/protocol/sigv4/verify-request.ts'

const AKID = 'AKIDAGENTPROTOCOL001'
const SECRET = 'agent-protocol-secret'
const lookup: KeyLookup = async (id) => (id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'agent' } : undefined)
const HOST_ID = 'arn:aws:iam::000000000000:user/web-9'

type Call = { target: string; service: string; body: Record<string, unknown>; at: number }
type Command = { id: string; event: string; deploymentId: string }

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-protocol-'))
after(() => fs.rmSync(base, { recursive: true, force: true }))

/** A revision zip whose ApplicationStart hook runs for a while (so heartbeats are seen). */
function bundle(dest: string, startScript: string): Buffer {
  const dir = fs.mkdtempSync(path.join(base, 'rev-'))
  fs.writeFileSync(path.join(dir, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: index.html\n    destination: ${dest}\nhooks:\n  ApplicationStart:\n    - location: start.sh\n      timeout: 60\n`)
  fs.writeFileSync(path.join(dir, 'index.html'), 'hello\n')
  fs.writeFileSync(path.join(dir, 'start.sh'), startScript, { mode: 0o755 })
  const out = path.join(dir, 'bundle.zip')
  const r = spawnSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor n in sys.argv[3:]: z.write(sys.argv[2] + "/" + n, n)\nz.close()', out, dir, 'appspec.yml', 'index.html', 'start.sh'])
  assert.equal(r.status, 0, r.stderr?.toString())
  return fs.readFileSync(out)
}

class FakeServer {
  calls: Call[] = []
  s3Gets: { path: string; query: string; service: string }[] = []
  queue: Command[] = []
  statuses = new Map<string, string>()
  completions = new Map<string, { status: string; diagnostics: Record<string, unknown> }>()
  objects = new Map<string, Buffer>()
  failNextPolls = 0
  registered = false
  #waiters: (() => void)[] = []
  url = ''
  readonly server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => void this.#handle(req, res, Buffer.concat(chunks)))
  })

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  push(cmd: Command) {
    this.queue.push(cmd)
    for (const w of this.#waiters.splice(0)) w()
  }

  async until<T>(check: () => T | undefined, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms
    for (;;) {
      const v = check()
      if (v !== undefined && v !== false) return v
      if (Date.now() > deadline) throw new Error(`timed out; calls: ${this.calls.map((c) => c.target).join(', ')}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async #handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: Buffer) {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const reqPath = q < 0 ? url : url.slice(0, q)
    const query = q < 0 ? '' : url.slice(q + 1)
    let service: string
    try {
      const claimed = req.headers['x-amz-content-sha256']
      if (typeof claimed === 'string') assert.equal(claimed, sha256Hex(body))
      service = (await verifyRequest({ method: req.method ?? 'GET', path: reqPath, query, headers: req.headersDistinct, payloadHash: sha256Hex(body) }, lookup, new Date())).service
    } catch (err) {
      res.writeHead(403, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify({ __type: 'InvalidSignatureException', message: String(err) }))
      return
    }
    if (req.method === 'GET') {
      this.s3Gets.push({ path: reqPath, query, service })
      const obj = this.objects.get(decodeURIComponent(reqPath))
      if (!obj) {
        res.writeHead(404, { 'content-type': 'application/xml' })
        res.end('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>')
        return
      }
      res.writeHead(200, { etag: '"e7a1"', 'content-length': obj.length })
      res.end(obj)
      return
    }
    const target = String(req.headers['x-amz-target'])
    const input = JSON.parse(body.toString() || '{}') as Record<string, unknown>
    this.calls.push({ target, service, body: input, at: Date.now() })
    const reply = (status: number, doc: object) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(status >= 400 ? { 'x-amzn-errortype': (doc as { __type: string }).__type } : {}) })
      res.end(JSON.stringify(doc))
    }
    const op = target.split('.')[1]
    switch (op) {
      case 'RegisterOnPremisesInstance':
        if (this.registered) return reply(400, { __type: 'InstanceNameAlreadyRegisteredException', message: 'already registered' })
        this.registered = true
        return reply(200, {})
      case 'GetOnPremisesInstance':
        return reply(200, { instanceInfo: { instanceName: 'web-9', iamUserArn: HOST_ID } })
      case 'AddTagsToOnPremisesInstances':
        return reply(200, {})
      case 'PollHostCommand': {
        if (this.failNextPolls > 0) {
          this.failNextPolls--
          return reply(500, { __type: 'InternalFailure', message: 'boom' })
        }
        if (this.queue.length === 0) await new Promise<void>((r) => {
          const t = setTimeout(r, 500)
          this.#waiters.push(() => (clearTimeout(t), r()))
        })
        const cmd = this.queue.shift()
        if (!cmd) return reply(200, {})
        if (!this.statuses.has(cmd.id)) this.statuses.set(cmd.id, 'Pending')
        return reply(200, { HostCommand: { HostCommandIdentifier: cmd.id, HostIdentifier: HOST_ID, DeploymentExecutionId: `Web/dg-9/${cmd.deploymentId}/${cmd.id}`, CommandName: cmd.event, Nonce: 1 } })
      }
      case 'GetDeploymentSpecification': {
        const deploymentId = String(input.DeploymentExecutionId).split('/')[2]
        const payload = {
          DeploymentId: `arn:aws:codedeploy:us-east-1:000000000000:deployment/${deploymentId}`,
          DeploymentGroupId: 'dg-9',
          DeploymentGroupName: 'Fleet',
          ApplicationName: 'Web',
          DeploymentCreator: 'user',
          DeploymentType: 'IN_PLACE',
          AppSpecFilename: 'appspec.yml',
          Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'bundles', Key: `web app/${deploymentId}.zip`, BundleType: 'zip', Version: 'v+1', ETag: 'e7a1' } },
          AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: 'OVERWRITE' } },
          AllPossibleLifecycleEvents: ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'],
        }
        return reply(200, { DeploymentSystem: 'CodeDeploy', DeploymentSpecification: { GenericEnvelope: { Format: 'TEXT/JSON', Payload: JSON.stringify(payload) } } })
      }
      case 'PutHostCommandAcknowledgement': {
        const id = String(input.HostCommandIdentifier)
        const current = this.statuses.get(id)
        if (current === 'Succeeded' || current === 'Failed') return reply(200, { CommandStatus: current })
        this.statuses.set(id, 'InProgress')
        return reply(200, { CommandStatus: 'InProgress' })
      }
      case 'PostHostCommandUpdate':
        return reply(200, { CommandStatus: this.statuses.get(String(input.HostCommandIdentifier)) ?? 'InProgress' })
      case 'PutHostCommandComplete': {
        const id = String(input.HostCommandIdentifier)
        const diag = input.Diagnostics as { Format: string; Payload: string }
        assert.equal(diag.Format, 'JSON')
        this.completions.set(id, { status: String(input.CommandStatus), diagnostics: JSON.parse(diag.Payload) as Record<string, unknown> })
        this.statuses.set(id, String(input.CommandStatus))
        return reply(200, {})
      }
      default:
        return reply(400, { __type: 'UnknownOperationException', message: target })
    }
  }
}

describe('the agent on the wire', () => {
  const fake = new FakeServer()
  const root = path.join(base, 'root')
  const dest = path.join(base, 'dest')
  let agent: AgentHandle
  const logs: string[] = []

  before(async () => {
    await fake.start()
    fake.registered = true // as after a restart: the name is taken, the ARN is looked up
    fake.failNextPolls = 1
    fake.objects.set('/bundles/web app/d-PROTO0001.zip', bundle(dest, '#!/bin/sh\necho "start $DEPLOYMENT_ID"\nsleep 2.5\necho done\n'))
    fake.objects.set('/bundles/web app/d-PROTO0002.zip', bundle(dest, '#!/bin/sh\necho long\nsleep 30\n'))
    agent = startAgent({
      server: fake.url,
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
      name: 'web-9',
      tags: [{ Key: 'env', Value: 'prod' }, { Key: 'role', Value: 'web' }],
      root,
      heartbeatSeconds: 0.5,
      killGraceSeconds: 1,
      log: (level, message) => logs.push(`${level} ${message}`),
    })
  })
  after(async () => {
    await agent.stop()
    fake.server.close()
  })

  it('registers, tags itself, and polls with its host identifier (after backing off from a server error)', async () => {
    await fake.until(() => fake.calls.filter((c) => c.target.endsWith('.PollHostCommand')).length >= 2)
    const [register, get, tags] = fake.calls
    assert.equal(register?.target, 'CodeDeploy_20141006.RegisterOnPremisesInstance')
    assert.equal(register?.service, 'codedeploy')
    assert.deepEqual(register?.body, { instanceName: 'web-9', iamUserArn: HOST_ID })
    assert.equal(get?.target, 'CodeDeploy_20141006.GetOnPremisesInstance')
    assert.equal(tags?.target, 'CodeDeploy_20141006.AddTagsToOnPremisesInstances')
    assert.deepEqual(tags?.body, { instanceNames: ['web-9'], tags: [{ Key: 'env', Value: 'prod' }, { Key: 'role', Value: 'web' }] })
    const polls = fake.calls.filter((c) => c.target === 'CodeDeployCommandService_v20141006.PollHostCommand')
    assert.equal(polls[0]?.service, 'codedeploy-commands')
    assert.deepEqual(polls[0]?.body, { HostIdentifier: HOST_ID })
    assert.ok((polls[1]?.at ?? 0) - (polls[0]?.at ?? 0) >= 900, 'backed off about a second after the 500')
    assert.equal(agent.hostIdentifier, HOST_ID)
  })

  it('runs a deployment: spec, acknowledgement, S3 download, install, hooks with heartbeats, completion diagnostics', async () => {
    const events = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']
    fake.calls = []
    for (const [i, event] of events.entries()) {
      const id = `hc-1-${i}`
      fake.push({ id, event, deploymentId: 'd-PROTO0001' })
      const done = await fake.until(() => fake.completions.get(id))
      assert.equal(done.status, 'Succeeded', `${event}: ${JSON.stringify(done.diagnostics)}\n${logs.join('\n')}`)
      assert.equal(done.diagnostics.error_code, 0)
    }
    const forCommand = (id: string) => fake.calls.filter((c) => c.body.HostCommandIdentifier === id || String(c.body.DeploymentExecutionId ?? '').endsWith(`/${id}`)).map((c) => c.target.split('.')[1])
    assert.deepEqual(forCommand('hc-1-1'), ['GetDeploymentSpecification', 'PutHostCommandAcknowledgement', 'PutHostCommandComplete'])
    const specCall = fake.calls.find((c) => c.target.endsWith('.GetDeploymentSpecification'))
    assert.deepEqual(specCall?.body, { DeploymentExecutionId: 'Web/dg-9/d-PROTO0001/hc-1-0', HostIdentifier: HOST_ID })
    const acks = fake.calls.filter((c) => c.target.endsWith('.PutHostCommandAcknowledgement'))
    const noop = (id: string) => JSON.parse(((acks.find((a) => a.body.HostCommandIdentifier === id)?.body.Diagnostics) as { Payload: string }).Payload).IsCommandNoop
    assert.deepEqual(acks[0]?.body.Diagnostics, { Format: 'JSON', Payload: '{"IsCommandNoop":true}' })
    assert.deepEqual(events.map((_, i) => noop(`hc-1-${i}`)), [true, false, true, false, true, false, true])

    assert.deepEqual(fake.s3Gets, [{ path: '/bundles/web%20app/d-PROTO0001.zip', query: 'versionId=v%2B1', service: 's3' }])
    assert.equal(fs.readFileSync(path.join(dest, 'index.html'), 'utf8'), 'hello\n')

    const beats = forCommand('hc-1-5').filter((t) => t === 'PostHostCommandUpdate')
    assert.ok(beats.length >= 3, `heartbeats while ApplicationStart ran: ${beats.length}`)
    const beat = fake.calls.find((c) => c.target.endsWith('.PostHostCommandUpdate'))
    const beatPayload = JSON.parse((beat?.body.Diagnostics as { Payload: string }).Payload) as Record<string, unknown>
    assert.equal(beatPayload.script_name, 'start.sh')
    const start = fake.completions.get('hc-1-5')
    assert.deepEqual(Object.keys(start?.diagnostics ?? {}), ['error_code', 'script_name', 'message', 'log'])
    assert.match(String(start?.diagnostics.log), /\[stdout\]start d-PROTO0001\n\[stdout\]done\n/)
  })

  it('does not run a command the server reports as already finished', async () => {
    fake.statuses.set('hc-old', 'Succeeded')
    fake.calls = []
    fake.queue.push({ id: 'hc-old', event: 'ApplicationStart', deploymentId: 'd-PROTO0001' })
    fake.push({ id: 'hc-next', event: 'ValidateService', deploymentId: 'd-PROTO0001' })
    await fake.until(() => fake.completions.get('hc-next'))
    assert.equal(fake.completions.has('hc-old'), false)
    assert.ok(!fake.calls.some((c) => c.body.HostCommandIdentifier === 'hc-old' && c.target.endsWith('.PostHostCommandUpdate')))
  })

  it('reports a failed download with the S3 error', async () => {
    fake.push({ id: 'hc-missing', event: 'DownloadBundle', deploymentId: 'd-NOSUCH001' })
    const done = await fake.until(() => fake.completions.get('hc-missing'))
    assert.equal(done.status, 'Failed')
    assert.equal(done.diagnostics.error_code, 5)
    assert.match(String(done.diagnostics.message), /The specified key does not exist/)
  })

  it('abandons an event the server gave up on (a heartbeat answered Failed): the script is killed', async () => {
    for (const [i, event] of ['DownloadBundle', 'Install'].entries()) {
      fake.push({ id: `hc-2-${i}`, event, deploymentId: 'd-PROTO0002' })
      assert.equal((await fake.until(() => fake.completions.get(`hc-2-${i}`))).status, 'Succeeded')
    }
    fake.push({ id: 'hc-2-cancel', event: 'ApplicationStart', deploymentId: 'd-PROTO0002' })
    await fake.until(() => fake.calls.some((c) => c.body.HostCommandIdentifier === 'hc-2-cancel' && c.target.endsWith('.PostHostCommandUpdate')))
    const t0 = Date.now()
    fake.statuses.set('hc-2-cancel', 'Failed')
    const done = await fake.until(() => fake.completions.get('hc-2-cancel'))
    assert.ok(Date.now() - t0 < 4000, `abandoned in ${Date.now() - t0} ms`)
    assert.equal(done.status, 'Failed')
    assert.equal(done.diagnostics.message, 'ApplicationStart was cancelled by the server')
    assert.equal(done.diagnostics.script_name, 'start.sh')
  })

  it('stop() abandons a running script, reports the event Failed, and ends', async () => {
    fake.push({ id: 'hc-2-start', event: 'ApplicationStart', deploymentId: 'd-PROTO0002' })
    await fake.until(() => fake.calls.some((c) => c.body.HostCommandIdentifier === 'hc-2-start' && c.target.endsWith('.PostHostCommandUpdate')))
    const t0 = Date.now()
    await agent.stop()
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`)
    const done = fake.completions.get('hc-2-start')
    assert.equal(done?.status, 'Failed')
    assert.match(String(done?.diagnostics.message), /agent stopped/)
    await agent.done
  })
})
