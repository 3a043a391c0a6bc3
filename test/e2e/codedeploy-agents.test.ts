import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, awsWithFilesOnly, AWS } from '../helpers/aws-cli.ts'
import { startAgent, stopAgents, waitForInstances, type TestAgent } from '../helpers/agents.ts'
import { run } from '../helpers/run.ts'
import { buildStage, createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { codePipelineClient, stageStatus, waitForExecution, waitForState } from '../helpers/codepipeline.ts'

const cliMissing = !(await awsCliAvailable())
const unshare = await run('unshare', ['--mount', '--propagation', 'private', 'true']).then((r) => r.code === 0, () => false)
const skip = cliMissing ? `AWS CLI '${AWS}' not installed` : !unshare ? 'unshare --mount is not permitted here (the test gives each agent its own /srv)' : false

type Event = { lifecycleEventName: string; status: string; startTime?: number; endTime?: number; diagnostics?: { errorCode: string; message: string; logTail: string } }

/** An application revision folder: appspec, files under www/, and hook scripts that leave markers. */
function writeRevision(dir: string, version: string, extra: { validate?: string; appspec?: string } = {}): string {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(path.join(dir, 'www'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), `<h1>${version}</h1>\n`)
  const hook = (name: string) => `      - location: scripts/${name}.sh\n        timeout: 60\n`
  fs.writeFileSync(path.join(dir, 'appspec.yml'), extra.appspec ?? `version: 0.0
os: linux
files:
  - source: /www
    destination: /srv/www
file_exists_behavior: OVERWRITE
hooks:
  BeforeInstall:
${hook('before')}  AfterInstall:
${hook('after')}  ApplicationStart:
${hook('start')}  ValidateService:
${hook('validate')}`)
  for (const name of ['before', 'after', 'start']) {
    fs.writeFileSync(path.join(dir, 'scripts', `${name}.sh`), `#!/bin/sh\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME" >> /srv/markers\n`, { mode: 0o755 })
  }
  fs.writeFileSync(path.join(dir, 'scripts', 'validate.sh'), `#!/bin/sh\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> /srv/markers\n${extra.validate ?? ''}\n`, { mode: 0o755 })
  return dir
}

describe('CodeDeploy with three Slipway agents', { skip }, () => {
  let server: TestServer
  let agents: TestAgent[] = []
  const dir = tempDir('deploy-agents')

  async function deployAndWait(group: string, revisionDir: string, key: string, extraArgs: string[] = []) {
    const pushed = await awsWithFilesOnly(server, ['deploy', 'push', '--application-name', 'Web', '--s3-location', `s3://bundles/${key}`, '--source', revisionDir])
    assert.equal(pushed.code, 0, pushed.stderr)
    const eTag = /eTag=([0-9a-f]+)/.exec(pushed.stdout)?.[1]
    const created = await aws(server, ['deploy', 'create-deployment', '--application-name', 'Web', '--deployment-group-name', group, '--s3-location', `bucket=bundles,key=${key},bundleType=zip,eTag=${eTag}`, ...extraArgs])
    assert.equal(created.code, 0, created.stderr)
    return created.json.deploymentId as string
  }

  async function finished(id: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const info = (await aws(server, ['deploy', 'get-deployment', '--deployment-id', id])).json.deploymentInfo
      if (!['Created', 'Queued', 'InProgress'].includes(info.status)) return info
      if (Date.now() > deadline) throw new Error(`deployment ${id} still ${info.status}\n${agents.map((a) => a.output()).join('\n')}`)
      await sleep(200)
    }
  }

  async function targets(id: string): Promise<Record<string, { status: string; events: Event[] }>> {
    const r = await aws(server, ['deploy', 'batch-get-deployment-targets', '--deployment-id', id, '--target-ids', ...agents.map((a) => a.name)])
    return Object.fromEntries(r.json.deploymentTargets.map((t: { instanceTarget: { targetId: string; status: string; lifecycleEvents: Event[] } }) => [t.instanceTarget.targetId, { status: t.instanceTarget.status, events: t.instanceTarget.lifecycleEvents }]))
  }

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'], env: { SLIPWAY_AGENT_LEASE_MS: '3000' } })
    await aws(server, ['s3', 'mb', 's3://bundles'])
    agents = ['web-1', 'web-2', 'web-3'].map((n) => startAgent(server, n, 'env=prod'))
    await waitForInstances(server, agents.map((a) => a.name))
    await aws(server, ['deploy', 'create-application', '--application-name', 'Web'])
    for (const [group, config] of [['OneByOne', 'CodeDeployDefault.OneAtATime'], ['All', 'CodeDeployDefault.AllAtOnce']] as const) {
      const g = await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'Web', '--deployment-group-name', group, '--deployment-config-name', config,
        '--on-premises-instance-tag-filters', 'Key=env,Value=prod,Type=KEY_AND_VALUE', '--service-role-arn', 'arn:aws:iam::000000000000:role/cd',
        '--auto-rollback-configuration', 'enabled=true,events=DEPLOYMENT_FAILURE'])
      assert.equal(g.code, 0, g.stderr)
    }
  })
  after(async () => {
    await stopAgents(agents)
    await server?.stop()
  })

  it('deploys to every host with `aws deploy push` and `aws deploy wait deployment-successful`; hooks run in order; OneAtATime never overlaps hosts', async () => {
    const id = await deployAndWait('OneByOne', writeRevision(path.join(dir, 'v1'), 'v1'), 'web-v1.zip')
    const waited = await aws(server, ['deploy', 'wait', 'deployment-successful', '--deployment-id', id])
    assert.equal(waited.code, 0, `${waited.stderr}\n${agents.map((a) => a.output()).join('\n')}`)
    for (const a of agents) {
      assert.equal(fs.readFileSync(path.join(a.srv, 'www', 'index.html'), 'utf8'), '<h1>v1</h1>\n', `files on ${a.name}`)
      const markers = fs.readFileSync(path.join(a.srv, 'markers'), 'utf8').trim().split('\n').map((l) => l.split(' '))
      assert.deepEqual(markers.map((m) => m[0]), ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'])
      assert.deepEqual(markers[0]!.slice(1), [id, 'Web', 'OneByOne'])
    }
    const t = await targets(id)
    const spans = agents.map((a) => {
      const ev = t[a.name]!.events
      return [Math.min(...ev.map((e) => e.startTime ?? Infinity)), Math.max(...ev.map((e) => e.endTime ?? 0))] as const
    }).sort((x, y) => x[0] - y[0])
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `host ${i} started after host ${i - 1} ended: ${JSON.stringify(spans)}`)
    assert.deepEqual(t['web-1']!.events.map((e) => e.status), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded'])
  })

  it('AllAtOnce runs the hosts at the same time', async () => {
    const id = await deployAndWait('All', writeRevision(path.join(dir, 'v1-all'), 'v1'), 'web-v1-all.zip')
    assert.equal((await finished(id)).status, 'Succeeded')
    const t = await targets(id)
    const starts = agents.map((a) => t[a.name]!.events[0]!.startTime!)
    const ends = agents.map((a) => Math.max(...t[a.name]!.events.map((e) => e.endTime ?? 0)))
    assert.ok(Math.max(...starts) < Math.min(...ends), 'every host started before any finished')
  })

  it('a ValidateService failure on one host fails a OneAtATime deployment, and the automatic rollback restores the previous revision everywhere', async () => {
    const id = await deployAndWait('OneByOne', writeRevision(path.join(dir, 'v2'), 'v2', { validate: 'if [ "$(cat /srv/hostname)" = web-2 ]; then echo "web-2 is unhealthy" >&2; exit 1; fi' }), 'web-v2.zip')
    const info = await finished(id)
    assert.equal(info.status, 'Failed')
    assert.equal(info.errorInformation.code, 'HEALTH_CONSTRAINTS')
    const t = await targets(id)
    assert.equal(t['web-2']!.status, 'Failed')
    const validate = t['web-2']!.events.find((e) => e.lifecycleEventName === 'ValidateService')!
    assert.equal(validate.status, 'Failed')
    assert.equal(validate.diagnostics?.errorCode, 'ScriptFailed')
    assert.match(validate.diagnostics?.logTail ?? '', /web-2 is unhealthy/)
    assert.equal(t['web-3']!.status, 'Skipped')

    const rollbackId = info.rollbackInfo?.rollbackDeploymentId
    assert.ok(rollbackId, 'a rollback deployment was created')
    const rollback = await finished(rollbackId)
    assert.equal(rollback.status, 'Succeeded')
    assert.equal(rollback.creator, 'codeDeployRollback')
    for (const a of agents) assert.equal(fs.readFileSync(path.join(a.srv, 'www', 'index.html'), 'utf8'), '<h1>v1</h1>\n', `v1 restored on ${a.name}`)
  })

  it('the full flow: git push -> pipeline (source, build producing the bundle, CodeDeploy) -> Succeeded, new files on every host', async () => {
    await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
    const repo = await repoWithPushes(server, dir, 'web-app')
    fs.cpSync(writeRevision(path.join(dir, 'v3src'), 'v3'), repo.work, { recursive: true })
    fs.writeFileSync(path.join(repo.work, 'buildspec.yml'), "version: 0.2\nphases:\n  build:\n    commands:\n      - sed -i 's/v3/v3 built/' www/index.html\nartifacts:\n  files: ['appspec.yml', 'www/**/*', 'scripts/**/*']\n")
    const project = await aws(server, ['codebuild', 'create-project', '--name', 'bundle', '--source', 'type=CODEPIPELINE', '--artifacts', 'type=CODEPIPELINE', '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(project.code, 0, project.stderr)
    const build = buildStage('bundle')
    build.actions[0] = { ...build.actions[0]!, outputArtifacts: [{ name: 'Bundle' }] } as never
    const created = await createPipeline(server, dir, {
      name: 'deliver',
      stages: [sourceStage('web-app'), build, { name: 'Deploy', actions: [{ name: 'Deploy', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' }, configuration: { ApplicationName: 'Web', DeploymentGroupName: 'All' }, inputArtifacts: [{ name: 'Bundle' }] }] }],
    })
    assert.equal(created.code, 0, created.stderr)
    const commit = await repo.push()
    const client = codePipelineClient(server)
    const state = await waitForState(client, 'deliver', (s) => ['Succeeded', 'Failed'].includes(stageStatus(s, 'Deploy') ?? '') && s.stageStates?.[0]?.latestExecution?.pipelineExecutionId === s.stageStates?.[2]?.latestExecution?.pipelineExecutionId, 60_000)
    const execution = await waitForExecution(client, 'deliver', state.stageStates![2]!.latestExecution!.pipelineExecutionId!)
    assert.equal(execution.status, 'Succeeded', execution.statusSummary)
    assert.equal(execution.artifactRevisions?.[0]?.revisionId, commit)
    for (const a of agents) assert.equal(fs.readFileSync(path.join(a.srv, 'www', 'index.html'), 'utf8'), '<h1>v3 built</h1>\n', `v3 on ${a.name}`)
  })

  it('a malformed appspec fails at the event that reads it, naming the problem; a bundle with ../ is refused and nothing escapes', async () => {
    const bad = writeRevision(path.join(dir, 'bad-appspec'), 'bad', { appspec: 'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - timeout: 10\n' })
    const id = await deployAndWait('All', bad, 'bad-appspec.zip')
    assert.equal((await finished(id)).status, 'Failed')
    const events = (await targets(id))['web-1']!.events
    const failed = events.find((e) => e.status === 'Failed')!
    assert.ok(['DownloadBundle', 'BeforeInstall', 'Install'].includes(failed.lifecycleEventName), failed.lifecycleEventName)
    assert.match(failed.diagnostics?.message ?? '', /location/)

    const zip = path.join(dir, 'evil.zip')
    const made = await run('python3', ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nz.writestr("appspec.yml","version: 0.0\\nos: linux\\n")\nz.writestr("../../../escaped.txt","pwned")\nz.close()', zip])
    assert.equal(made.code, 0, made.stderr)
    assert.equal((await aws(server, ['s3', 'cp', zip, 's3://bundles/evil.zip'])).code, 0)
    const created = await aws(server, ['deploy', 'create-deployment', '--application-name', 'Web', '--deployment-group-name', 'All', '--s3-location', 'bucket=bundles,key=evil.zip,bundleType=zip'])
    const evil = await finished(created.json.deploymentId)
    assert.equal(evil.status, 'Failed')
    const download = (await targets(created.json.deploymentId))['web-1']!.events.find((e) => e.lifecycleEventName === 'DownloadBundle')!
    assert.equal(download.status, 'Failed')
    assert.match(download.diagnostics?.message ?? '', /escaped\.txt/)
    for (const a of agents) {
      for (const up of [path.dirname(a.root), path.dirname(path.dirname(a.root)), path.dirname(path.dirname(path.dirname(a.root)))]) {
        assert.ok(!fs.existsSync(path.join(up, 'escaped.txt')), `nothing written at ${up}`)
      }
    }
  })

  it('kills a hook that outlives its timeout, and fails an event whose agent dies within the lease', async () => {
    const slow = writeRevision(path.join(dir, 'slow'), 'slow', { appspec: 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n      timeout: 1\n' })
    fs.writeFileSync(path.join(slow, 'scripts', 'start.sh'), '#!/bin/sh\nsleep 30\n', { mode: 0o755 })
    const t0 = Date.now()
    const id = await deployAndWait('All', slow, 'slow.zip')
    const info = await finished(id)
    assert.equal(info.status, 'Failed')
    assert.ok(Date.now() - t0 < 20_000, 'the timeout was enforced')
    const start = (await targets(id))['web-1']!.events.find((e) => e.lifecycleEventName === 'ApplicationStart')!
    assert.equal(start.diagnostics?.errorCode, 'ScriptTimedOut')

    const hang = writeRevision(path.join(dir, 'hang'), 'hang', { appspec: 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n      timeout: 600\n' })
    fs.writeFileSync(path.join(hang, 'scripts', 'start.sh'), '#!/bin/sh\nsleep 60\n', { mode: 0o755 })
    const id2 = await deployAndWait('All', hang, 'hang.zip')
    for (let i = 0; i < 100; i++) {
      const running = (await targets(id2))['web-3']!.events.find((e) => e.lifecycleEventName === 'ApplicationStart')!
      if (running.status === 'InProgress') break
      await sleep(100)
    }
    agents[2]!.kill()
    const killedAt = Date.now()
    const t = await targets(id2).then(async () => {
      for (;;) {
        const x = await targets(id2)
        if (x['web-3']!.status === 'Failed') return x
        if (Date.now() - killedAt > 15_000) throw new Error('the dead agent\'s host never failed')
        await sleep(200)
      }
    })
    assert.match(t['web-3']!.events.find((e) => e.lifecycleEventName === 'ApplicationStart')!.diagnostics?.message ?? '', /stopped responding/)
    await stopAgents(agents.slice(0, 2))
    const info2 = await finished(id2)
    assert.equal(info2.status, 'Failed')
  })
})
