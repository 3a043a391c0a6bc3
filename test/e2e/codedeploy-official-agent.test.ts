import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestServer, tempDir, SLIPWAY_BIN, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { officialAgentUnavailable, startOfficialAgent, type OfficialAgent } from '../helpers/codedeploy-agent.ts'

const agentMissing = await officialAgentUnavailable()
const skip = !(await awsCliAvailable()) ? `AWS CLI '${AWS}' not installed` : agentMissing ?? false
if (skip) console.log(`# skipped: the official CodeDeploy agent test: ${skip}`)

type Event = { lifecycleEventName: string; status: string; diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string } }

const ALL_EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']

describe("AWS's official CodeDeploy agent deploys from Slipway with configuration only", { skip }, () => {
  let server: TestServer
  let agent: OfficialAgent
  const dir = tempDir('official-agent-revisions')
  const markers = path.join(dir, 'markers')
  const installed = path.join(dir, 'srv')

  /** A revision whose every hook appends `<event> <deployment id>` to the markers file. */
  function bundle(name: string, hooks: { validate?: string; start?: string; startTimeout?: number } = {}): string {
    const rev = path.join(dir, name)
    fs.mkdirSync(path.join(rev, 'scripts'), { recursive: true })
    fs.mkdirSync(path.join(rev, 'www'), { recursive: true })
    fs.writeFileSync(path.join(rev, 'www', 'index.html'), `<h1>${name}</h1>\n`)
    const script = (extra = '') => `#!/bin/sh\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> ${markers}\n${extra}\n`
    fs.writeFileSync(path.join(rev, 'scripts', 'hook.sh'), script(), { mode: 0o755 })
    fs.writeFileSync(path.join(rev, 'scripts', 'start.sh'), script(hooks.start), { mode: 0o755 })
    fs.writeFileSync(path.join(rev, 'scripts', 'validate.sh'), script(hooks.validate), { mode: 0o755 })
    fs.writeFileSync(path.join(rev, 'appspec.yml'), `version: 0.0
os: linux
files:
  - source: /www
    destination: ${installed}
file_exists_behavior: OVERWRITE
hooks:
  ApplicationStop:
    - location: scripts/hook.sh
  BeforeInstall:
    - location: scripts/hook.sh
  AfterInstall:
    - location: scripts/hook.sh
  ApplicationStart:
    - location: scripts/start.sh
      timeout: ${hooks.startTimeout ?? 60}
  ValidateService:
    - location: scripts/validate.sh
      timeout: 60
`)
    return rev
  }

  async function deploy(name: string, hooks: Parameters<typeof bundle>[1] = {}): Promise<{ id: string; status: string; events: Event[] }> {
    const rev = bundle(name, hooks)
    const zip = path.join(dir, `${name}.zip`)
    const zipped = await run('zip', ['-qr', zip, '.'], { cwd: rev })
    assert.equal(zipped.code, 0, zipped.stderr)
    assert.equal((await aws(server, ['s3', 'cp', zip, `s3://official-agent-bundles/${name}.zip`])).code, 0)
    const created = await aws(server, ['deploy', 'create-deployment', '--application-name', 'OfficialAgent', '--deployment-group-name', 'Fleet', '--s3-location', `bucket=official-agent-bundles,key=${name}.zip,bundleType=zip`])
    assert.equal(created.code, 0, created.stderr)
    const id = created.json.deploymentId as string
    const deadline = Date.now() + 240_000
    let status = ''
    while (Date.now() < deadline) {
      status = (await aws(server, ['deploy', 'get-deployment', '--deployment-id', id])).json?.deploymentInfo?.status
      if (status === 'Succeeded' || status === 'Failed' || status === 'Stopped') break
      await sleep(500)
    }
    const target = await aws(server, ['deploy', 'get-deployment-target', '--deployment-id', id, '--target-id', 'official-1'])
    const events = (target.json?.deploymentTarget?.instanceTarget?.lifecycleEvents ?? []) as Event[]
    return { id, status, events }
  }

  const markersOf = (id: string) => (fs.existsSync(markers) ? fs.readFileSync(markers, 'utf8') : '').split('\n').filter((l) => l.endsWith(` ${id}`)).map((l) => l.split(' ')[0])

  before(async () => {
    // HTTPS under the data dir's private CA: the agent refuses a plain-HTTP command endpoint.
    server = await startTestServer({ extraArgs: ['--tls', '--no-agent', '--no-runner'] })
    assert.match(server.url, /^https:\/\//)
    const ca = await run(process.execPath, [SLIPWAY_BIN, 'ca', '--data-dir', server.dataDir])
    assert.equal(ca.code, 0, ca.stderr)
    const caFile = path.join(dir, 'slipway-ca.pem')
    fs.writeFileSync(caFile, ca.stdout)
    const key = await run(process.execPath, [SLIPWAY_BIN, 'keys', 'create', '--user', 'official-1', '--data-dir', server.dataDir])
    assert.equal(key.code, 0, key.stderr)
    const accessKeyId = /AccessKeyId\s+(\S+)/.exec(key.stdout)?.[1] ?? ''
    const secretAccessKey = /SecretAccessKey\s+(\S+)/.exec(key.stdout)?.[1] ?? ''
    const iamUserArn = 'arn:aws:iam::000000000000:user/official-1'
    for (const args of [
      ['deploy', 'register-on-premises-instance', '--instance-name', 'official-1', '--iam-user-arn', iamUserArn],
      ['deploy', 'add-tags-to-on-premises-instances', '--instance-names', 'official-1', '--tags', 'Key=fleet,Value=official'],
      ['deploy', 'create-application', '--application-name', 'OfficialAgent'],
      ['deploy', 'create-deployment-group', '--application-name', 'OfficialAgent', '--deployment-group-name', 'Fleet', '--on-premises-instance-tag-filters', 'Key=fleet,Value=official,Type=KEY_AND_VALUE', '--service-role-arn', 'arn:aws:iam::000000000000:role/CodeDeploy'],
      ['s3', 'mb', 's3://official-agent-bundles'],
    ]) {
      const r = await aws(server, args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    }
    agent = await startOfficialAgent({ serverUrl: server.url, caFile, accessKeyId, secretAccessKey, iamUserArn, region: 'us-east-1' })
  })

  after(async () => {
    await agent?.stop()
    await server?.stop()
  })

  it('a deployment succeeds with every lifecycle event; the hooks run in order and the files are installed', async () => {
    const { id, status, events } = await deploy('v1')
    assert.equal(status, 'Succeeded', `${JSON.stringify(events, null, 1)}\n${agent.log()}`)
    assert.deepEqual(events.map((e) => [e.lifecycleEventName, e.status]), ALL_EVENTS.map((e) => [e, 'Succeeded']))
    // ApplicationStop runs the previous revision's hooks: there is none on a first deployment.
    assert.deepEqual(markersOf(id), ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'])
    assert.equal(fs.readFileSync(path.join(installed, 'index.html'), 'utf8'), '<h1>v1</h1>\n')
  })

  it("a failing ValidateService fails the deployment, with the script's output in get-deployment-target", async () => {
    const { status, events } = await deploy('v2-unhealthy', { validate: 'echo "health check: service on port 8080 is down"\nexit 3' })
    assert.equal(status, 'Failed', agent.log())
    const validate = events.find((e) => e.lifecycleEventName === 'ValidateService')
    assert.equal(validate?.status, 'Failed', JSON.stringify(events, null, 1))
    assert.equal(validate?.diagnostics?.errorCode, 'ScriptFailed')
    assert.equal(validate?.diagnostics?.scriptName, 'scripts/validate.sh')
    assert.match(validate?.diagnostics?.logTail ?? '', /health check: service on port 8080 is down/)
    assert.equal(events.find((e) => e.lifecycleEventName === 'ApplicationStart')?.status, 'Succeeded')
  })

  it('a 30 s hook succeeds: the agent never heartbeats, and its polls keep the event alive past the lease', async () => {
    const started = Date.now()
    const { id, status, events } = await deploy('v3-slow-start', { start: 'sleep 30', startTimeout: 120 })
    assert.equal(status, 'Succeeded', `${JSON.stringify(events, null, 1)}\n${agent.log()}`)
    assert.ok(Date.now() - started >= 30_000)
    assert.deepEqual(markersOf(id), ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'])
    assert.equal(fs.readFileSync(path.join(installed, 'index.html'), 'utf8'), '<h1>v3-slow-start</h1>\n')
  })
})
