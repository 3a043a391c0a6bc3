import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { AcknowledgeJobCommand, CreateCustomActionTypeCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand, PollForJobsCommand, PutJobSuccessResultCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline'
import { SLIPWAY_BIN, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, awsWithFilesOnly, AWS } from '../helpers/aws-cli.ts'
import { startAgent, stopAgents, waitForInstances, type TestAgent } from '../helpers/agents.ts'
import { run } from '../helpers/run.ts'
import { approvalStage, createPipeline, createPipelineProject, repoWithPushes, ROLE, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { codePipelineClient, waitForExecution, waitForState } from '../helpers/codepipeline.ts'
import { startReplica, startSharedStorage, type SharedStorage } from '../helpers/replicas.ts'
import { registryToolsMissing, skopeo, writeOciLayout } from '../helpers/registry.ts'
import { callJson, CODEDEPLOY_TARGET, COMMANDS_TARGET, ServiceError, type Endpoint } from '../../src/agent/api-client.ts'

const SYSTEM_NODE = process.execPath
const cliMissing = !(await awsCliAvailable())
const unshare = await run('unshare', ['--mount', '--propagation', 'private', 'true']).then((r) => r.code === 0, () => false)
const storage = cliMissing ? undefined : await startSharedStorage()
const skip = cliMissing ? `AWS CLI '${AWS}' not installed`
  : !unshare ? 'unshare --mount is not permitted here (agents get their own /srv)'
  : storage?.skip !== undefined ? `PostgreSQL cannot run here: ${storage.skip}`
  : false
if (skip) console.log(`# SKIP scale-out tests: ${skip}`)

/** Leases short enough that a dead server's work ends within the test's patience. */
const LEASES = { SLIPWAY_BUILD_LEASE_MS: '3000', SLIPWAY_AGENT_LEASE_MS: '4000' }

const endpoint = (s: TestServer): Endpoint => ({ url: s.url, region: 'us-east-1', credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } })
const deployCall = <T = Record<string, unknown>>(s: TestServer, op: string, input: object) => callJson<T>(endpoint(s), `${CODEDEPLOY_TARGET}.${op}`, 'codedeploy', input)
const commandCall = <T = Record<string, unknown>>(s: TestServer, op: string, input: object) => callJson<T>(endpoint(s), `${COMMANDS_TARGET}.${op}`, 'codedeploy-commands', input)

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function deploymentStatus(s: TestServer, id: string): Promise<string> {
  return (await deployCall<{ deploymentInfo: { status: string } }>(s, 'GetDeployment', { deploymentId: id })).deploymentInfo.status
}

/** An application revision in a folder: the given file and an appspec installing it under /srv/www, with optional hooks. */
function revision(dir: string, html: string, hooks = ''): string {
  fs.mkdirSync(path.join(dir, 'www'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), html)
  fs.writeFileSync(path.join(dir, 'scripts', 'slow.sh'), '#!/bin/sh\nsleep 60\n', { mode: 0o755 })
  fs.writeFileSync(path.join(dir, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: /www\n    destination: /srv/www\nfile_exists_behavior: OVERWRITE\n${hooks}`)
  return dir
}

describe('two Slipway servers on one PostgreSQL, one S3 store (s3rver) and one repositories volume', { skip }, () => {
  let shared: SharedStorage
  let a: TestServer
  let b: TestServer
  let aDataDir: string
  const agents: TestAgent[] = []
  const dir = tempDir('scale-out')
  const db = () => new pg.Client({ connectionString: shared.databaseUrl })

  before(async () => {
    shared = storage!.shared!
    // A runs builds; B does not: a build's log is always followed from the other server.
    a = await startReplica(shared, { runner: true, env: LEASES })
    aDataDir = a.dataDir
    b = await startReplica(shared, { env: LEASES })
    assert.equal(b.accessKeyId, a.accessKeyId, 'one root key for every server')
    assert.equal((await aws(a, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    assert.equal((await aws(b, ['s3', 'mb', 's3://bundles'])).code, 0)
    for (const args of [['deploy', 'create-application', '--application-name', 'Web'],
      ['deploy', 'create-deployment-group', '--application-name', 'Web', '--deployment-group-name', 'Prod', '--on-premises-instance-tag-filters', 'Key=role,Value=web,Type=KEY_AND_VALUE', '--service-role-arn', ROLE]]) {
      const r = await aws(b, args)
      assert.equal(r.code, 0, r.stderr)
    }
    agents.push(startAgent(b, 'web-1', 'role=web'))
    await waitForInstances(b, ['web-1'])
  })

  after(async () => {
    await stopAgents(agents)
    await a?.stop()
    await b?.stop()
    await shared?.stop()
  })

  it('a push to A starts the pipeline once; B follows its build log live, B approves, and the deployment completes', async () => {
    const repo = await repoWithPushes(a, dir, 'site')
    revision(repo.work, '<h1>v1</h1>\n')
    fs.writeFileSync(path.join(repo.work, 'buildspec.yml'), 'version: 0.2\nphases:\n  build:\n    commands:\n      - for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 0.5; done\nartifacts:\n  files: [appspec.yml, "www/**/*"]\n')
    const project = await aws(a, ['codebuild', 'create-project', '--name', 'site-build', '--source', 'type=CODEPIPELINE', '--artifacts', 'type=CODEPIPELINE', '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(project.code, 0, project.stderr)
    const created = await createPipeline(a, dir, {
      name: 'site',
      stages: [
        sourceStage('site'),
        { name: 'Build', actions: [{ name: 'Build', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: 'site-build' }, inputArtifacts: [{ name: 'SourceArtifact' }], outputArtifacts: [{ name: 'Bundle' }] }] },
        approvalStage(),
        { name: 'Deploy', actions: [{ name: 'Deploy', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' }, configuration: { ApplicationName: 'Web', DeploymentGroupName: 'Prod' }, inputArtifacts: [{ name: 'Bundle' }] }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const first = await until('the execution of the pipeline\'s creation', async () => (await codePipelineClient(b).send(new ListPipelineExecutionsCommand({ pipelineName: 'site' }))).pipelineExecutionSummaries?.[0]?.pipelineExecutionId)
    await aws(b, ['codepipeline', 'stop-pipeline-execution', '--pipeline-name', 'site', '--pipeline-execution-id', first, '--abandon'])
    await waitForExecution(codePipelineClient(b), 'site', first)

    // The console on B: signed in, following the event stream.
    const link = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'console', '--data-dir', b.dataDir, '--no-open'])
    const login = /(http\S+login\?token=\S+)/.exec(link.stdout)?.[1]
    assert.ok(login, link.stdout + link.stderr)
    const signedIn = await fetch(login, { redirect: 'manual' })
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!
    assert.ok(cookie, 'a session cookie')
    const events = new AbortController()
    const seen: string[] = []
    const stream = fetch(`${b.url}/console/api/events`, { headers: { cookie }, signal: events.signal }).then(async (res) => {
      for await (const chunk of res.body!) seen.push(Buffer.from(chunk).toString())
    }).catch(() => undefined)

    const commit = await repo.push()
    const building = await waitForState(codePipelineClient(b), 'site', (s) => s.stageStates?.find((x) => x.stageName === 'Build')?.actionStates?.[0]?.latestExecution?.externalExecutionId !== undefined, 60_000)
    const buildId = building.stageStates!.find((x) => x.stageName === 'Build')!.actionStates![0]!.latestExecution!.externalExecutionId!
    const follower = spawn(SYSTEM_NODE, [SLIPWAY_BIN, 'logs', buildId, '--follow', '--endpoint-url', b.url, '--data-dir', b.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const ticks: { text: string; at: number }[] = []
    let errors = ''
    follower.stdout.on('data', (d: Buffer) => ticks.push({ text: d.toString(), at: Date.now() }))
    follower.stderr.on('data', (d: Buffer) => (errors += d.toString()))
    const followed = await new Promise<number | null>((resolve) => follower.on('exit', resolve))
    assert.equal(followed, 0, `${errors}\n--- A:\n${a.output().slice(-4000)}\n--- B:\n${b.output().slice(-4000)}\n--- build: ${JSON.stringify((await aws(b, ['codebuild', 'batch-get-builds', '--ids', buildId])).json?.builds?.[0]?.phases)}`)
    const log = ticks.map((t) => t.text).join('')
    for (let i = 1; i <= 10; i++) assert.match(log, new RegExp(`tick ${i}\\n`))
    assert.match(log, /Build succeeded/)
    const t7 = ticks.find((t) => t.text.includes('tick 7'))!.at
    const t10 = ticks.find((t) => t.text.includes('tick 10'))!.at
    assert.ok(t10 - t7 >= 700, `B streamed the log as A's build wrote it (ticks 7-10 ${t10 - t7} ms apart)`)
    const phases = await until('the build\'s phase changes on B\'s console stream', async () => (seen.join('').includes('codebuild.BuildPhaseChange') && seen.join('').includes(buildId) ? true : undefined), 20_000)
    assert.ok(phases)

    const waiting = await waitForState(codePipelineClient(b), 'site', (s) => s.stageStates?.find((x) => x.stageName === 'Approve')?.actionStates?.[0]?.latestExecution?.status === 'InProgress', 60_000)
    const token = waiting.stageStates!.find((x) => x.stageName === 'Approve')!.actionStates![0]!.latestExecution!.token!
    const approved = await aws(b, ['codepipeline', 'put-approval-result', '--pipeline-name', 'site', '--stage-name', 'Approve', '--action-name', 'Approval', '--result', 'summary=ok,status=Approved', '--token', token])
    assert.equal(approved.code, 0, approved.stderr)
    const id = waiting.stageStates!.find((x) => x.stageName === 'Approve')!.latestExecution!.pipelineExecutionId!
    const done = await waitForExecution(codePipelineClient(a), 'site', id, undefined, 90_000)
    assert.equal(done.status, 'Succeeded', done.statusSummary)
    assert.equal(done.artifactRevisions?.[0]?.revisionId, commit)
    assert.equal(fs.readFileSync(path.join(agents[0]!.srv, 'www', 'index.html'), 'utf8'), '<h1>v1</h1>\n')
    events.abort()
    await stream
    // The session opened on B holds on A; signing out on A ends it on B.
    assert.equal((await fetch(`${a.url}/console/api/session`, { headers: { cookie } })).status, 200)
    assert.equal((await fetch(`${a.url}/console/api/session`, { method: 'DELETE', headers: { cookie } })).status, 200)
    assert.equal((await fetch(`${b.url}/console/api/session`, { headers: { cookie } })).status, 401)

    const executions = async () => (await codePipelineClient(a).send(new ListPipelineExecutionsCommand({ pipelineName: 'site' }))).pipelineExecutionSummaries!.filter((e) => e.trigger?.triggerType !== 'CreatePipeline')
    assert.equal((await executions()).length, 1, 'one execution for one push')

    // The push's event delivered again (as after a crash mid-batch): the trigger starts nothing twice.
    const client = db()
    await client.connect()
    try {
      const event = (await client.query("SELECT tx, seq FROM events WHERE type = 'codecommit.ReferenceUpdated' ORDER BY tx DESC, seq DESC LIMIT 1")).rows[0] as { tx: string; seq: string }
      await client.query("UPDATE event_consumers SET tx = $1, seq = $2 - 1 WHERE name = 'pipeline-triggers'", [event.tx, event.seq])
      await until('the trigger to read the push again', async () => {
        const r = (await client.query("SELECT tx, seq FROM event_consumers WHERE name = 'pipeline-triggers'")).rows[0] as { tx: string; seq: string }
        return BigInt(r.tx) > BigInt(event.tx) || (r.tx === event.tx && BigInt(r.seq) >= BigInt(event.seq)) ? true : undefined
      }, 30_000)
    } finally {
      await client.end()
    }
    assert.equal((await executions()).length, 1, 'still one execution after the event came twice')
  })

  it('50 StartPipelineExecution calls over both servers on a QUEUED pipeline: 50 executions, each stage runs them one at a time', async () => {
    const repo = await repoWithPushes(b, dir, 'queued-src')
    await repo.push()
    assert.equal((await aws(a, ['s3', 'mb', 's3://site-out'])).code, 0)
    const created = await createPipeline(a, dir, {
      name: 'queued',
      pipelineType: 'V2',
      executionMode: 'QUEUED',
      stages: [
        sourceStage('queued-src'),
        { name: 'Publish', actions: [{ name: 'Publish', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { BucketName: 'site-out', Extract: 'true' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    await until('the creation run to end', async () => {
      const list = (await codePipelineClient(a).send(new ListPipelineExecutionsCommand({ pipelineName: 'queued' }))).pipelineExecutionSummaries ?? []
      return list.length > 0 && list.every((e) => e.status !== 'InProgress') ? true : undefined
    })
    const started = await Promise.all(Array.from({ length: 50 }, (_, i) => codePipelineClient(i % 2 ? a : b).send(new StartPipelineExecutionCommand({ name: 'queued' })).then((r) => r.pipelineExecutionId!)))
    assert.equal(new Set(started).size, 50, '50 distinct executions')
    const settled = await until('50 executions to finish', async () => {
      const list = []
      let nextToken: string | undefined
      do {
        const page = await codePipelineClient(b).send(new ListPipelineExecutionsCommand({ pipelineName: 'queued', maxResults: 100, nextToken }))
        list.push(...(page.pipelineExecutionSummaries ?? []))
        nextToken = page.nextToken
      } while (nextToken)
      const ours = list.filter((e) => started.includes(e.pipelineExecutionId!))
      return ours.length === 50 && ours.every((e) => e.status === 'Succeeded' || e.status === 'Failed') ? ours : undefined
    }, 240_000)
    assert.deepEqual(settled.map((e) => e.status).filter((s) => s !== 'Succeeded'), [], 'all succeeded')
    for (const stage of ['Source', 'Publish']) {
      const runs = []
      let nextToken: string | undefined
      do {
        const page = await codePipelineClient(a).send(new ListActionExecutionsCommand({ pipelineName: 'queued', filter: {}, maxResults: 100, nextToken }))
        runs.push(...(page.actionExecutionDetails ?? []).filter((d) => d.stageName === stage && started.includes(d.pipelineExecutionId!)))
        nextToken = page.nextToken
      } while (nextToken)
      assert.equal(runs.length, 50, `${stage} ran once per execution`)
      const spans = runs.map((r) => [r.startTime!.getTime(), r.lastUpdateTime!.getTime()] as const).sort((x, y) => x[0] - y[0])
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `${stage}: run ${i} started after run ${i - 1} ended`)
    }
  })

  it('20 concurrent deployments to one group over both servers: one active, the others DeploymentLimitExceededException', async () => {
    const bundle = revision(path.join(dir, 'slow-rev'), '<h1>slow</h1>\n', 'hooks:\n  ApplicationStart:\n    - location: scripts/slow.sh\n      timeout: 120\n')
    const pushed = await awsWithFilesOnly(b, ['deploy', 'push', '--application-name', 'Web', '--s3-location', 's3://bundles/slow.zip', '--source', bundle])
    assert.equal(pushed.code, 0, pushed.stderr)
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      deployCall<{ deploymentId: string }>(i % 2 ? a : b, 'CreateDeployment', { applicationName: 'Web', deploymentGroupName: 'Prod', revision: { revisionType: 'S3', s3Location: { bucket: 'bundles', key: 'slow.zip', bundleType: 'zip' } } })
        .then((r) => ({ ok: r.deploymentId }), (err: unknown) => ({ error: err instanceof ServiceError ? err.code : String(err) }))))
    const ok = results.flatMap((r) => ('ok' in r ? [r.ok] : []))
    assert.equal(ok.length, 1, JSON.stringify(results))
    assert.deepEqual([...new Set(results.flatMap((r) => ('error' in r ? [r.error] : [])))], ['DeploymentLimitExceededException'])
    await deployCall(a, 'StopDeployment', { deploymentId: ok[0] })
    await until('the slow deployment to stop', async () => (['Stopped', 'Failed', 'Succeeded'].includes(await deploymentStatus(b, ok[0]!)) ? true : undefined))
  })

  it('two agents polling different servers for one host never receive the same host command', async () => {
    for (const args of [['deploy', 'register-on-premises-instance', '--instance-name', 'twin', '--iam-user-arn', 'arn:aws:iam::000000000000:user/twin'],
      ['deploy', 'add-tags-to-on-premises-instances', '--instance-names', 'twin', '--tags', 'Key=role,Value=twin'],
      ['deploy', 'create-deployment-group', '--application-name', 'Web', '--deployment-group-name', 'Twin', '--on-premises-instance-tag-filters', 'Key=role,Value=twin,Type=KEY_AND_VALUE', '--service-role-arn', ROLE]]) {
      const r = await aws(a, args)
      assert.equal(r.code, 0, r.stderr)
    }
    const plain = revision(path.join(dir, 'plain-rev'), '<h1>plain</h1>\n')
    assert.equal((await awsWithFilesOnly(a, ['deploy', 'push', '--application-name', 'Web', '--s3-location', 's3://bundles/plain.zip', '--source', plain])).code, 0)
    const { deploymentId } = await deployCall<{ deploymentId: string }>(a, 'CreateDeployment', { applicationName: 'Web', deploymentGroupName: 'Twin', revision: { revisionType: 'S3', s3Location: { bucket: 'bundles', key: 'plain.zip', bundleType: 'zip' } } })
    const received: { by: string; id: string; event: string }[] = []
    let stop = false
    const poller = async (server: TestServer, by: string) => {
      while (!stop) {
        const out = await commandCall<{ HostCommand?: { HostCommandIdentifier: string; CommandName: string } }>(server, 'PollHostCommand', { HostIdentifier: 'arn:aws:iam::000000000000:user/twin' })
        const c = out.HostCommand
        if (!c) continue
        received.push({ by, id: c.HostCommandIdentifier, event: c.CommandName })
        await commandCall(server, 'PutHostCommandAcknowledgement', { HostCommandIdentifier: c.HostCommandIdentifier })
        await commandCall(server, 'PutHostCommandComplete', { HostCommandIdentifier: c.HostCommandIdentifier, CommandStatus: 'Succeeded', Diagnostics: { Format: 'JSON', Payload: JSON.stringify({ error_code: 0, script_name: '', message: 'ok', log: '' }) } })
      }
    }
    const polling = [poller(a, 'A'), poller(a, 'A2'), poller(b, 'B'), poller(b, 'B2')]
    const status = await until('the deployment to end', async () => {
      const s = await deploymentStatus(b, deploymentId)
      return ['Succeeded', 'Failed', 'Stopped'].includes(s) ? s : undefined
    }, 90_000)
    stop = true
    await Promise.all(polling)
    assert.equal(status, 'Succeeded')
    const ids = received.map((r) => r.id)
    assert.equal(new Set(ids).size, ids.length, `no command twice: ${JSON.stringify(received)}`)
    assert.ok(received.length >= 5, `every lifecycle event was handed out (${received.map((r) => r.event).join(', ')})`)
  })

  it('two custom-action workers on different servers never receive the same job', async () => {
    const type = { category: 'Test' as const, provider: 'Twin', version: '1' }
    await codePipelineClient(a).send(new CreateCustomActionTypeCommand({ ...type, inputArtifactDetails: { minimumCount: 0, maximumCount: 1 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 1 } }))
    const repo = await repoWithPushes(a, dir, 'jobs-src')
    await repo.push()
    const created = await createPipeline(a, dir, {
      name: 'jobs',
      pipelineType: 'V2',
      executionMode: 'PARALLEL',
      stages: [sourceStage('jobs-src'), { name: 'Work', actions: [{ name: 'Work', actionTypeId: { ...type, owner: 'Custom' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] }],
    })
    assert.equal(created.code, 0, created.stderr)
    const started = await Promise.all(Array.from({ length: 8 }, (_, i) => codePipelineClient(i % 2 ? a : b).send(new StartPipelineExecutionCommand({ name: 'jobs' })).then((r) => r.pipelineExecutionId!)))
    const got: { by: string; id: string }[] = []
    let stop = false
    const worker = async (server: TestServer, by: string) => {
      const client = codePipelineClient(server)
      while (!stop) {
        const { jobs } = await client.send(new PollForJobsCommand({ actionTypeId: { ...type, owner: 'Custom' }, maxBatchSize: 2 }))
        for (const job of jobs ?? []) {
          got.push({ by, id: job.id! })
          await client.send(new AcknowledgeJobCommand({ jobId: job.id!, nonce: job.nonce! }))
          await client.send(new PutJobSuccessResultCommand({ jobId: job.id!, executionDetails: { summary: `done by ${by}` } }))
        }
        if (!jobs?.length) await new Promise((r) => setTimeout(r, 100))
      }
    }
    const working = [worker(a, 'A'), worker(b, 'B')]
    const finished = await until('8 executions to succeed', async () => {
      const list = (await codePipelineClient(b).send(new ListPipelineExecutionsCommand({ pipelineName: 'jobs', maxResults: 100 }))).pipelineExecutionSummaries ?? []
      const ours = list.filter((e) => started.includes(e.pipelineExecutionId!))
      return ours.length === 8 && ours.every((e) => e.status !== 'InProgress') ? ours : undefined
    }, 120_000)
    stop = true
    await Promise.all(working)
    assert.deepEqual(finished.map((e) => e.status), Array(8).fill('Succeeded'))
    const ids = got.map((g) => g.id)
    assert.equal(new Set(ids).size, ids.length, `no job twice: ${JSON.stringify(got)}`)
    assert.ok(ids.length >= 8)
  })

  it('an image pushed through A (its blobs in the S3 store) pulls byte for byte from B, and a push to B starts a pipeline on A', async (t) => {
    const missing = registryToolsMissing()
    if (missing) return t.skip(missing)
    assert.equal((await aws(a, ['ecr', 'create-repository', '--repository-name', 'shared/app'])).code, 0)
    const layout = path.join(dir, 'oci')
    const { images } = await writeOciLayout(layout, [{ tag: 'one', files: { 'big.bin': 'x'.repeat(3_000_000) } }, { tag: 'two', files: { 'two.txt': 'two\n' } }])
    const password = (await aws(a, ['ecr', 'get-login-password'])).stdout.trim()
    const hostOf = (s: TestServer) => new URL(s.url).host
    let res = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `AWS:${password}`, `oci:${layout}:one`, `docker://${hostOf(a)}/shared/app:one`])
    assert.equal(res.code, 0, res.stderr)
    res = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `AWS:${password}`, `docker://${hostOf(b)}/shared/app:one`])
    assert.equal(res.code, 0, `a token from A works on B: ${res.stderr}`)
    assert.equal(res.stdout, images[0]!.manifest.toString())
    const out = path.join(dir, 'pulled')
    res = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `AWS:${password}`, `docker://${hostOf(b)}/shared/app:one`, `oci:${out}:one`])
    assert.equal(res.code, 0, res.stderr)
    const layer = JSON.parse(images[0]!.manifest.toString()).layers[0].digest as string
    assert.ok(fs.readFileSync(path.join(out, 'blobs', 'sha256', layer.slice(7))).equals(fs.readFileSync(path.join(layout, 'blobs', 'sha256', layer.slice(7)))), 'the layer came back byte for byte')

    const created = await createPipeline(a, dir, { name: 'image-flow', stages: [
      { name: 'Source', actions: [{ name: 'Image', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' }, configuration: { RepositoryName: 'shared/app', ImageTag: 'release' }, outputArtifacts: [{ name: 'Img' }] }] },
      approvalStage(),
    ] })
    assert.equal(created.code, 0, created.stderr)
    res = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `AWS:${password}`, `oci:${layout}:two`, `docker://${hostOf(b)}/shared/app:release`])
    assert.equal(res.code, 0, res.stderr)
    const started = await until('the execution the push to B started', async () => {
      const list = (await codePipelineClient(a).send(new ListPipelineExecutionsCommand({ pipelineName: 'image-flow' }))).pipelineExecutionSummaries ?? []
      return list.find((e) => e.sourceRevisions?.some((r) => r.revisionId === images[1]!.digest))
    })
    assert.equal(started.trigger?.triggerType, 'CloudWatchEvent')
  })

  it('kill -9 of A while it runs a build, an execution and a deployment: B ends each of them within the leases, loses nothing, and A rejoins without replaying', async () => {
    const repo = await repoWithPushes(b, dir, 'crashy')
    await createPipelineProject(a, 'crashy-build', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 120\n')
    const created = await createPipeline(a, dir, { name: 'crashy', stages: [sourceStage('crashy'), { name: 'Build', actions: [{ name: 'Build', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: 'crashy-build' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] }] })
    assert.equal(created.code, 0, created.stderr)
    const commit = await repo.push()
    const running = await waitForState(codePipelineClient(b), 'crashy', (s) => {
      const build = s.stageStates?.find((x) => x.stageName === 'Build')
      return build?.latestExecution?.status === 'InProgress' && build.actionStates?.[0]?.latestExecution?.externalExecutionId !== undefined && s.stageStates?.[0]?.actionStates?.[0]?.currentRevision?.revisionId === commit
    }, 60_000)
    const executionId = running.stageStates!.find((x) => x.stageName === 'Build')!.latestExecution!.pipelineExecutionId!
    const buildId = running.stageStates!.find((x) => x.stageName === 'Build')!.actionStates![0]!.latestExecution!.externalExecutionId!
    await until('the build to run its command', async () => ((await aws(b, ['codebuild', 'batch-get-builds', '--ids', buildId])).json?.builds?.[0]?.currentPhase === 'BUILD' ? true : undefined))

    // A deployment whose agent talks to A only, stuck in a 60 s hook when A dies.
    agents.push(startAgent(a, 'web-a', 'role=web-a'))
    await waitForInstances(a, ['web-a'])
    assert.equal((await aws(a, ['deploy', 'create-deployment-group', '--application-name', 'Web', '--deployment-group-name', 'OnA', '--on-premises-instance-tag-filters', 'Key=role,Value=web-a,Type=KEY_AND_VALUE', '--service-role-arn', ROLE])).code, 0)
    const { deploymentId } = await deployCall<{ deploymentId: string }>(a, 'CreateDeployment', { applicationName: 'Web', deploymentGroupName: 'OnA', revision: { revisionType: 'S3', s3Location: { bucket: 'bundles', key: 'slow.zip', bundleType: 'zip' } } })
    await until('the deployment to reach its slow hook', async () => {
      const t = await deployCall<{ deploymentTarget?: { instanceTarget?: { lifecycleEvents?: { lifecycleEventName: string; status: string }[] } } }>(b, 'GetDeploymentTarget', { deploymentId, targetId: 'web-a' })
      return t.deploymentTarget?.instanceTarget?.lifecycleEvents?.some((e) => e.lifecycleEventName === 'ApplicationStart' && e.status === 'InProgress') ? true : undefined
    }, 60_000)

    const countsBefore = await counts()
    const pid = (JSON.parse(fs.readFileSync(path.join(aDataDir, 'server.json'), 'utf8')) as { pid: number }).pid
    process.kill(pid, 'SIGKILL')
    await a.stop()

    const build = await until('B to end the build', async () => {
      const got = (await aws(b, ['codebuild', 'batch-get-builds', '--ids', buildId])).json?.builds?.[0]
      return got && got.buildStatus !== 'IN_PROGRESS' ? got : undefined
    }, 60_000)
    assert.equal(build.buildStatus, 'FAILED')
    assert.match(JSON.stringify(build.phases), /runner stopped responding/)
    const execution = await waitForExecution(codePipelineClient(b), 'crashy', executionId, undefined, 60_000)
    assert.equal(execution.status, 'Failed')
    assert.equal(await until('B to end the deployment', async () => {
      const s = await deploymentStatus(b, deploymentId)
      return ['Succeeded', 'Failed', 'Stopped'].includes(s) ? s : undefined
    }, 60_000), 'Failed')

    // Nothing lost: refs, objects and records as they were.
    const branch = await aws(b, ['codecommit', 'get-branch', '--repository-name', 'crashy', '--branch-name', 'main'])
    assert.equal(branch.json.branch.commitId, commit)
    const listed = await aws(b, ['s3', 'ls', 's3://bundles/'])
    assert.match(listed.stdout, /slow\.zip/)
    assert.deepEqual(await counts(), countsBefore, 'no record lost or added by the takeover')

    // A rejoins on its data dir: it replays nothing, and works.
    a = await startReplica(shared, { runner: true, dataDir: aDataDir, env: LEASES })
    const next = await repo.push()
    const again = await until('one execution of the next push', async () => {
      const list = (await codePipelineClient(a).send(new ListPipelineExecutionsCommand({ pipelineName: 'crashy' }))).pipelineExecutionSummaries ?? []
      const forNext = list.filter((e) => e.sourceRevisions?.[0]?.revisionId === next)
      return forNext.length > 0 ? list : undefined
    })
    assert.equal(again.filter((e) => e.sourceRevisions?.[0]?.revisionId === commit).length, 1, 'the first push still has one execution')
    assert.equal(again.filter((e) => e.sourceRevisions?.[0]?.revisionId === next).length, 1, 'the next push has one')
    const after = await counts()
    assert.equal(after.deployments, countsBefore.deployments, 'no deployment replayed')
    assert.equal(after.builds, countsBefore.builds + (after.builds > countsBefore.builds ? 1 : 0), 'no build replayed')
  })

  async function counts(): Promise<{ executions: number; builds: number; deployments: number; repositories: number }> {
    const client = db()
    await client.connect()
    try {
      const n = async (table: string) => Number((await client.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n)
      return { executions: await n('pipeline_executions'), builds: await n('builds'), deployments: await n('deployments'), repositories: await n('repositories') }
    } finally {
      await client.end()
    }
  }
})
