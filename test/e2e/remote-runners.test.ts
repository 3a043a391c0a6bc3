import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CodeBuildClient } from '@aws-sdk/client-codebuild'
import { startTestServer, tempDir, ROOT, type TestServer } from '../helpers/server.ts'
import { aws, cleanAwsEnv, AWS } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'
import { codePipelineClient, waitForExecution } from '../helpers/codepipeline.ts'
import { buildStage, createPipeline, createPipelineProject, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { startRunner, type TestRunner } from '../helpers/runners.ts'
import { dockerUnavailableReason, ensureTestImage } from '../helpers/docker.ts'

const SLIPWAY = path.join(ROOT, 'src', 'cli', 'main.ts')
const LEASE_MS = 3000
const SMALL = 'BUILD_GENERAL1_SMALL'
const LARGE = 'BUILD_GENERAL1_LARGE'

/**
 * Builds on runners in other processes: `slipway up --no-runner` runs no builds itself; `slipway
 * runner` processes (each with its own work dir, knowing only the server's URL and a runner key)
 * register, take the builds their labels accept, stream logs, upload artifacts, and die as
 * processes do — the server's lease decides.
 */
describe('remote build runners (slipway up --no-runner + slipway runner)', () => {
  let server: TestServer
  let client: CodeBuildClient
  let dir: string
  let host: TestRunner
  let docker: TestRunner | undefined
  let dockerSkip: string | undefined
  const runners: TestRunner[] = []

  before(async () => {
    server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'], env: { SLIPWAY_BUILD_LEASE_MS: String(LEASE_MS) } })
    client = codeBuildClient(server)
    dir = tempDir('remote-runners')
    host = await startRunner(server, 'host-1', { executor: 'host', labels: `computeType=${SMALL}` })
    runners.push(host)
    dockerSkip = await dockerUnavailableReason()
    if (!dockerSkip) {
      await ensureTestImage()
      docker = await startRunner(server, 'docker-1', { executor: 'docker', labels: `computeType=${LARGE},image=slipway-test/*`, capacity: 2, warm: 1 })
      runners.push(docker)
    }
    await aws(server, ['s3', 'mb', 's3://runner-artifacts'])
    await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
  })

  after(async () => {
    client?.destroy()
    for (const r of runners) await r.stop()
    await server?.stop()
  })

  const project = async (name: string, buildspec: string, extra: { computeType?: string; image?: string; cache?: boolean; artifacts?: boolean; fleet?: string } = {}) => {
    const environment: Record<string, unknown> = { type: 'LINUX_CONTAINER', image: extra.image ?? 'host', computeType: extra.computeType ?? SMALL }
    if (extra.fleet) environment.fleet = { fleetArn: extra.fleet }
    const res = await aws(server, ['codebuild', 'create-project', '--name', name, '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec }),
      '--artifacts', extra.artifacts ? `type=S3,location=runner-artifacts,packaging=ZIP,name=${name}.zip` : 'type=NO_ARTIFACTS',
      '--environment', JSON.stringify(environment), '--service-role', 'r', ...(extra.cache ? ['--cache', 'type=LOCAL,modes=LOCAL_CUSTOM_CACHE'] : [])])
    assert.equal(res.code, 0, res.stderr)
  }
  const start = async (name: string) => {
    const res = await aws(server, ['codebuild', 'start-build', '--project-name', name])
    assert.equal(res.code, 0, res.stderr)
    return String(res.json.build.id)
  }
  const log = async (id: string) => (await run(process.execPath, [SLIPWAY, 'logs', id, '--data-dir', server.dataDir])).stdout

  it('lists the images present on the runners with ListCuratedEnvironmentImages', async (t) => {
    const listed = await aws(server, ['codebuild', 'list-curated-environment-images'])
    assert.equal(listed.code, 0, listed.stderr)
    type Platform = { platform: string; languages: { language: string; images: { name: string; description: string; versions: string[] }[] }[] }
    const images = (listed.json.platforms as Platform[]).flatMap((p) => p.languages.flatMap((l) => l.images.map((i) => ({ ...i, platform: p.platform, language: l.language }))))
    if (!docker) return t.skip(dockerSkip)
    // The docker runner reported its engine's images when it registered; the host runner has none.
    const busybox = images.find((i) => i.name === 'slipway-test/busybox')
    assert.ok(busybox, JSON.stringify(listed.json))
    assert.deepEqual([busybox.platform, busybox.language, busybox.description], ['DEBIAN', 'BASE', 'on runner(s) docker-1'])
    assert.ok(busybox.versions.includes('slipway-test/busybox:latest'))
    assert.ok(!images.some((i) => i.name.includes('*')), 'an image label pattern is not an image')
  })

  it('runs a build on the runner whose labels match: live logs, artifacts in the bucket, LOCAL cache across builds', async () => {
    const spec = [
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands:',
      '      - echo "source at $CODEBUILD_SRC_DIR"',
      '      - mkdir -p kept && cat kept/count 2>/dev/null || echo "no cache yet"',
      '      - echo "run" >> kept/count',
      '      - echo built > out.txt',
      '      - sleep 1',
      '      - echo "after a second"',
      'cache:',
      '  paths:',
      "    - 'kept/**/*'",
      'artifacts:',
      '  files:',
      '    - out.txt',
    ].join('\n')
    await project('on-host', spec, { cache: true, artifacts: true })
    const id = await start('on-host')
    // Follow the log from the start: it streams while the build runs and ends when the build does.
    const followed = await run(process.execPath, [SLIPWAY, 'logs', id, '--follow', '--data-dir', server.dataDir], { timeoutMs: 60_000 })
    assert.equal(followed.code, 0, followed.stderr)
    assert.match(followed.stdout, new RegExp(`source at ${host.workDir}/`), 'the build ran in the host runner\'s work dir')
    assert.match(followed.stdout, /no cache yet/)
    assert.match(followed.stdout, /after a second\n[\s\S]*Build succeeded/)
    const done = await waitForBuild(client, id)
    assert.equal(done.buildStatus, 'SUCCEEDED')
    const head = await aws(server, ['s3api', 'head-object', '--bucket', 'runner-artifacts', '--key', 'on-host.zip'])
    assert.equal(head.code, 0, `the artifact is in the bucket: ${head.stderr}`)
    assert.equal(head.json.ContentType, 'application/zip')

    const second = await start('on-host')
    assert.equal((await waitForBuild(client, second)).buildStatus, 'SUCCEEDED')
    assert.match(await log(second), /Running command mkdir -p kept && cat kept\/count[^\n]*\nrun\n/, 'the second build on the same runner restored the cache')
  })

  it('sends a build that asks for another compute type and image to the docker runner', async (t) => {
    if (!docker) return t.skip(`docker runner not started: ${dockerSkip}`)
    await project('in-docker', 'version: 0.2\nphases:\n  build:\n    commands:\n      - test -f /.dockerenv && echo "inside a container"\n      - echo "source at $CODEBUILD_SRC_DIR"\n', { computeType: LARGE, image: 'slipway-test/busybox:latest' })
    const id = await start('in-docker')
    const done = await waitForBuild(client, id, { timeoutMs: 60_000 })
    const text = await log(id)
    assert.equal(done.buildStatus, 'SUCCEEDED', text)
    assert.match(text, /inside a container/)
    assert.doesNotMatch(text, new RegExp(host.workDir), 'not on the host runner')

    // The runner keeps a started container of that image waiting (--warm 1): the next build takes it.
    const warmContainers = async () => (await run('docker', ['ps', '-q', '--no-trunc', '--filter', 'label=slipway.build=warm'])).stdout.split('\n').filter((l) => l !== '')
    let waitingContainer: string | undefined
    for (const deadline = Date.now() + 30_000; !waitingContainer && Date.now() < deadline; ) {
      waitingContainer = (await warmContainers())[0]
      if (!waitingContainer) await sleep(100)
    }
    assert.ok(waitingContainer, 'a warm container waits')
    await project('warm-docker', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "id=$CODEBUILD_BUILD_ID"\n      - echo "pwd=$(pwd)"\n      - echo made > made.txt\nartifacts:\n  files:\n    - made.txt\n', { computeType: LARGE, image: 'slipway-test/busybox:latest', artifacts: true })
    const warmId = await start('warm-docker')
    const warmDone = await waitForBuild(client, warmId, { timeoutMs: 60_000 })
    const warmLog = await log(warmId)
    assert.equal(warmDone.buildStatus, 'SUCCEEDED', warmLog)
    assert.match(warmLog, new RegExp(`id=${warmId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`))
    assert.match(warmLog, /pwd=\/codebuild\/output\/src\/src\n/)
    assert.equal((await aws(server, ['s3api', 'head-object', '--bucket', 'runner-artifacts', '--key', 'warm-docker.zip'])).code, 0, 'the warm build\'s artifact is in the bucket')
    assert.equal((await run('docker', ['inspect', waitingContainer])).code !== 0 || !(await warmContainers()).includes(waitingContainer), true, 'the build used the waiting container')

    const listed = await run(process.execPath, [SLIPWAY, 'runners', 'list', '--data-dir', server.dataDir])
    assert.match(listed.stdout, /host-1\s+host\s+0\/1\s+[^\n]*computeType=BUILD_GENERAL1_SMALL/)
    assert.match(listed.stdout, /docker-1\s+docker\s+0\/2\s+[^\n]*computeType=BUILD_GENERAL1_LARGE,image=slipway-test\/\*/)
  })

  it('runs a pipeline\'s CodeBuild action on the matching runner', async () => {
    const repo = await repoWithPushes(server, dir, 'runner-app')
    await createPipelineProject(server, 'runner-pipeline-build', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "pipeline build at $CODEBUILD_SRC_DIR"\n      - cat README.md\n')
    assert.equal((await createPipeline(server, dir, { name: 'on-runners', stages: [sourceStage('runner-app'), buildStage('runner-pipeline-build')] })).code, 0)
    await repo.push()
    const pipelines = codePipelineClient(server)
    try {
      const executions = async () => (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'on-runners'])).json?.pipelineExecutionSummaries ?? []
      let id: string | undefined
      for (const deadline = Date.now() + 60_000; Date.now() < deadline && !id; ) {
        id = (await executions())[0]?.pipelineExecutionId
        if (!id) await sleep(100)
      }
      assert.ok(id, 'the push started the pipeline')
      const execution = await waitForExecution(pipelines, 'on-runners', id, undefined, 60_000)
      const builds = (await aws(server, ['codebuild', 'list-builds-for-project', '--project-name', 'runner-pipeline-build'])).json?.ids as string[]
      const text = builds?.[0] ? await log(builds[0]) : 'no build'
      assert.equal(execution.status, 'Succeeded', `${JSON.stringify(execution)}\n${text}\n${(await aws(server, ['codepipeline', 'get-pipeline-state', '--name', 'on-runners'])).stdout}`)
      assert.match(text, new RegExp(`pipeline build at ${host.workDir}/`))
      assert.match(text, /# runner-app/)
    } finally {
      pipelines.destroy()
    }
  })

  it('keeps a fleet\'s build QUEUED until a runner of that fleet registers, then starts it at once', async () => {
    const created = await aws(server, ['codebuild', 'create-fleet', '--name', 'gpu-fleet', '--base-capacity', '1', '--environment-type', 'LINUX_CONTAINER', '--compute-type', SMALL])
    assert.equal(created.code, 0, created.stderr)
    const fleetArn = String(created.json.fleet.arn)
    assert.match(fleetArn, /^arn:aws:codebuild:us-east-1:\d{12}:fleet\/gpu-fleet:/)
    assert.equal(created.json.fleet.status.statusCode, 'ACTIVE')
    assert.deepEqual((await aws(server, ['codebuild', 'list-fleets'])).json.fleets, [fleetArn])
    assert.equal((await aws(server, ['codebuild', 'batch-get-fleets', '--names', fleetArn])).json.fleets[0].name, 'gpu-fleet')
    const unknown = await aws(server, ['codebuild', 'create-project', '--name', 'no-such-fleet', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: 'version: 0.2' }), '--artifacts', 'type=NO_ARTIFACTS',
      '--environment', JSON.stringify({ type: 'LINUX_CONTAINER', image: 'host', computeType: SMALL, fleet: { fleetArn: 'arn:aws:codebuild:us-east-1:000000000000:fleet/nope:1' } }), '--service-role', 'r'])
    assert.equal(unknown.errorCode, 'ResourceNotFoundException')
    await project('on-fleet', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo on the fleet\n', { fleet: fleetArn })
    assert.equal((await aws(server, ['codebuild', 'delete-fleet', '--arn', fleetArn])).errorCode, 'InvalidInputException', 'a fleet in use is not deleted')
    const id = await start('on-fleet')
    // Every runner present could run it but for the fleet: it waits.
    await sleep(1500)
    const waiting = await waitForBuild(client, id, { until: () => true })
    assert.equal(waiting.currentPhase, 'QUEUED')
    // The console's build page says why it waits.
    const link = await run(process.execPath, [SLIPWAY, 'console', '--data-dir', server.dataDir, '--no-open'])
    const login = /(http\S+login\?token=\S+)/.exec(link.stdout)?.[1]
    assert.ok(login, link.stdout + link.stderr)
    const cookie = ((await fetch(login, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0]!
    const details = (await (await fetch(`${server.url}/console/api/builds/${encodeURIComponent(id)}/details`, { headers: { cookie } })).json()) as { waiting?: string }
    assert.match(details.waiting ?? '', /Waiting for a build runner that accepts fleet=gpu-fleet/)
    // The console's runners page lists who is present and what they run.
    const present = (await (await fetch(`${server.url}/console/api/runners`, { headers: { cookie } })).json()) as { runners: { name: string; capacity: number; executor: string; builds: string[] }[] }
    assert.deepEqual(present.runners.find((r) => r.name === 'host-1'), { ...present.runners.find((r) => r.name === 'host-1'), capacity: 1, executor: 'host', builds: [] })
    assert.equal(present.runners.some((r) => r.name === 'fleet-1'), false)
    const fleetRunner = await startRunner(server, 'fleet-1', { executor: 'host', labels: 'fleet=gpu-fleet', credentialsVia: 'profile' })
    runners.push(fleetRunner)
    const registered = Date.now()
    const started = await waitForBuild(client, id, { until: (b) => (b.phases ?? []).some((p) => p.phaseType === 'PROVISIONING') })
    const provisioning = (started.phases ?? []).find((p) => p.phaseType === 'PROVISIONING')?.startTime?.getTime() ?? 0
    process.stdout.write(`# fleet build started ${provisioning - registered} ms after its runner's registration was seen\n`)
    assert.ok(provisioning - registered < 10_000, 'started promptly once a fleet runner registered')
    const done = await waitForBuild(client, id)
    assert.equal(done.buildStatus, 'SUCCEEDED')
    assert.match(await log(id), new RegExp(`${fleetRunner.workDir}|on the fleet`))
  })

  it('fails a build whose runner is killed (-9) within the lease; the other runner keeps building; the pipeline retry runs on the survivor', async () => {
    const marker = path.join(dir, 'first-attempt-ran')
    const repo = await repoWithPushes(server, dir, 'flaky-app')
    await createPipelineProject(server, 'flaky-build', `version: 0.2\nphases:\n  build:\n    commands:\n      - if [ -f '${marker}' ]; then echo "second attempt at $CODEBUILD_SRC_DIR"; else touch '${marker}'; sleep 600; fi\n`)
    assert.equal((await createPipeline(server, dir, { name: 'flaky', stages: [sourceStage('flaky-app'), buildStage('flaky-build')] })).code, 0)
    await repo.push()
    // host-1 (capacity 1) takes the pipeline's build; then a second small runner joins.
    let buildId: string | undefined
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !buildId; ) {
      buildId = ((await aws(server, ['codebuild', 'list-builds-for-project', '--project-name', 'flaky-build'])).json?.ids as string[] | undefined)?.[0]
      if (!buildId) await sleep(100)
    }
    assert.ok(buildId)
    await waitForBuild(client, buildId, { until: (b) => b.currentPhase === 'BUILD', timeoutMs: 60_000 })
    assert.ok(fs.existsSync(marker))
    const survivor = await startRunner(server, 'host-2', { executor: 'host', labels: `computeType=${SMALL}` })
    runners.push(survivor)
    await project('steady', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 4\n      - echo "steady at $CODEBUILD_SRC_DIR"\n')
    const steady = await start('steady')
    await waitForBuild(client, steady, { until: (b) => b.currentPhase === 'BUILD', timeoutMs: 60_000 })

    const killedAt = Date.now()
    host.kill()
    const failed = await waitForBuild(client, buildId, { timeoutMs: LEASE_MS * 10 })
    process.stdout.write(`# the killed runner's build ended ${Date.now() - killedAt} ms after the kill (lease ${LEASE_MS} ms)\n`)
    assert.equal(failed.buildStatus, 'FAILED')
    const phase = (failed.phases ?? []).find((p) => p.phaseType === 'BUILD')
    assert.equal(phase?.phaseStatus, 'FAILED')
    assert.match(phase?.contexts?.[0]?.message ?? '', /build runner stopped responding: host-1 sent no word/)

    const steadyDone = await waitForBuild(client, steady, { timeoutMs: 60_000 })
    assert.equal(steadyDone.buildStatus, 'SUCCEEDED', 'the other runner\'s build was not disturbed')
    assert.match(await log(steady), new RegExp(`steady at ${survivor.workDir}/`))

    const executionId = (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'flaky'])).json.pipelineExecutionSummaries[0].pipelineExecutionId as string
    const pipelines = codePipelineClient(server)
    try {
      assert.equal((await waitForExecution(pipelines, 'flaky', executionId, undefined, 60_000)).status, 'Failed')
      const retry = await aws(server, ['codepipeline', 'retry-stage-execution', '--pipeline-name', 'flaky', '--stage-name', 'Build', '--pipeline-execution-id', executionId, '--retry-mode', 'FAILED_ACTIONS'])
      assert.equal(retry.code, 0, retry.stderr)
      const retried = await waitForExecution(pipelines, 'flaky', executionId, (e) => e.status !== 'InProgress', 60_000)
      assert.equal(retried.status, 'Succeeded')
    } finally {
      pipelines.destroy()
    }
    const ids = (await aws(server, ['codebuild', 'list-builds-for-project', '--project-name', 'flaky-build'])).json.ids as string[]
    assert.equal(ids.length, 2)
    assert.match(await log(ids[0]!), new RegExp(`second attempt at ${survivor.workDir}/`))
  })

  it('a runner key runs builds and nothing else; deleting it stops its runner', async () => {
    const key = runners.find((r) => r.name === 'host-2') ?? host
    const env = { ...cleanAwsEnv(), AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' }
    const denied = await run(AWS, ['--endpoint-url', server.url, 'codecommit', 'delete-repository', '--repository-name', 'runner-app'], { env })
    assert.notEqual(denied.code, 0)
    assert.match(denied.stderr, /AccessDeniedException[\s\S]*runner key can only run builds/)
    assert.equal((await aws(server, ['codecommit', 'get-repository', '--repository-name', 'runner-app'])).code, 0, 'the repository is still there')
    const s3 = await run(AWS, ['--endpoint-url', server.url, 's3', 'ls'], { env })
    assert.notEqual(s3.code, 0, 'S3 refuses a runner key')
    const started = await run(AWS, ['--endpoint-url', server.url, 'codebuild', 'start-build', '--project-name', 'steady'], { env })
    assert.match(started.stderr, /AccessDeniedException/)

    const survivor = runners.find((r) => r.name === 'host-2')
    if (!survivor) return
    const removed = await run(process.execPath, [SLIPWAY, 'keys', 'delete', survivor.accessKeyId, '--data-dir', server.dataDir])
    assert.equal(removed.code, 0, removed.stderr)
    const code = await Promise.race([survivor.exited, sleep(30_000).then(() => 'still running')])
    assert.equal(code, 1, survivor.output())
    assert.match(survivor.output(), /refused/)
  })
})

describe('a runner that loses the server', () => {
  it('keeps its build running, retries, and reports when the server is back within the lease', async () => {
    const env = { SLIPWAY_BUILD_LEASE_MS: '30000' }
    let server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'], env })
    const port = Number(new URL(server.url).port)
    const runner = await startRunner(server, 'patient', { executor: 'host' })
    try {
      const spec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo before\n      - sleep 6\n      - echo after the outage\n'
      const created = await aws(server, ['codebuild', 'create-project', '--name', 'through-outage', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: spec }), '--artifacts', 'type=NO_ARTIFACTS',
        '--environment', `type=LINUX_CONTAINER,image=host,computeType=${SMALL}`, '--service-role', 'r'])
      assert.equal(created.code, 0, created.stderr)
      const id = String((await aws(server, ['codebuild', 'start-build', '--project-name', 'through-outage'])).json.build.id)
      await waitForBuild(codeBuildClient(server), id, { until: (b) => b.currentPhase === 'BUILD', timeoutMs: 30_000 })
      // The server dies and comes back on the same port and data; the runner never stopped.
      const pid = (JSON.parse(fs.readFileSync(path.join(server.dataDir, 'server.json'), 'utf8')) as { pid: number }).pid
      process.kill(pid, 'SIGKILL')
      await server.stop()
      server = await startTestServer({ dataDir: server.dataDir, port, extraArgs: ['--no-runner', '--no-agent'], env })
      const client = codeBuildClient(server)
      try {
        const done = await waitForBuild(client, id, { timeoutMs: 60_000 })
        const text = (await run(process.execPath, [SLIPWAY, 'logs', id, '--data-dir', server.dataDir])).stdout
        assert.equal(done.buildStatus, 'SUCCEEDED', `${text}\n${runner.output()}`)
        assert.match(text, /before\n[\s\S]*after the outage\n[\s\S]*Build succeeded/)
        assert.match(runner.output(), /cannot (renew its lease|reach the server)/, 'the runner noticed the outage')
      } finally {
        client.destroy()
      }
    } finally {
      await runner.stop()
      await server.stop()
    }
  })
})
