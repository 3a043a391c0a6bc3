import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { BatchGetBuildsCommand, CreateProjectCommand, StartBuildCommand, StopBuildCommand } from '@aws-sdk/client-codebuild'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { basicUrl, gitOk, makeWorkTree } from '../helpers/git.ts'
import { codeBuildClient, phaseSummary, waitForBuild } from '../helpers/codebuild.ts'
import { dockerUnavailableReason, ensureTestImage } from '../helpers/docker.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())
const noDocker = await dockerUnavailableReason()
if (noDocker) console.log(`# docker executor: ${noDocker}; testing the host executor only`)
const executors = noDocker ? (['host'] as const) : (['docker', 'host'] as const)

const BUILDSPEC = `version: 0.2
env:
  variables:
    GREETING: hello
  exported-variables:
    - RESULT
    - COMMIT
phases:
  install:
    commands:
      - echo installing
  pre_build:
    commands:
      - cd app
  build:
    commands:
      - export RESULT="$GREETING from build $CODEBUILD_BUILD_NUMBER"
      - export COMMIT="$CODEBUILD_RESOLVED_SOURCE_VERSION"
      - mkdir -p ../dist/nested && echo "$RESULT" > ../dist/out.txt && echo deep > ../dist/nested/deep.txt
      - ls /bin/busybox > ../dist/image.txt 2>&1 || echo not-busybox > ../dist/image.txt
  post_build:
    commands:
      - echo "post_build sees $CODEBUILD_BUILD_SUCCEEDING"
artifacts:
  files:
    - '**/*'
  base-directory: dist
`

/** Lists a zip with Python's zipfile (an independent reader). */
async function zipEntries(file: string): Promise<string[]> {
  const r = await run('python3', ['-c', 'import sys,zipfile; print("\\n".join(sorted(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if not n.endswith("/"))))', file])
  assert.equal(r.code, 0, r.stderr)
  return r.stdout.trim().split('\n').filter(Boolean)
}

for (const executor of executors) {
  describe(`CodeBuild with the ${executor} executor`, { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
    let server: TestServer
    let image: string
    const work = tempDir(`cb-${executor}`)

    before(async () => {
      image = executor === 'docker' ? await ensureTestImage() : 'local/host'
      server = await startTestServer({ extraArgs: ['--executor', executor] })
      assert.equal((await aws(server, ['s3', 'mb', 's3://artifacts'])).code, 0)
    })
    after(async () => {
      await server?.stop()
    })

    it('builds the pushed CodeCommit commit and uploads a zip artifact', async () => {
      await aws(server, ['codecommit', 'create-repository', '--repository-name', 'app'])
      const dir = path.join(work, 'app')
      const commit = await makeWorkTree(dir, { 'buildspec.yml': BUILDSPEC, 'app/main.sh': 'echo main\n' })
      await gitOk(dir, ['push', '-q', basicUrl(server.url, 'app', server.accessKeyId, server.secretAccessKey), 'main'])

      const created = await aws(server, ['codebuild', 'create-project', '--name', 'app-build',
        '--source', `type=CODECOMMIT,location=${server.url}/v1/repos/app`, '--source-version', 'refs/heads/main',
        '--artifacts', 'type=S3,location=artifacts,packaging=ZIP,name=app.zip,path=builds',
        '--environment', `type=LINUX_CONTAINER,image=${image},computeType=BUILD_GENERAL1_SMALL`,
        '--service-role', 'arn:aws:iam::000000000000:role/cb'])
      assert.equal(created.code, 0, created.stderr)
      assert.equal(created.json.project.arn, 'arn:aws:codebuild:us-east-1:000000000000:project/app-build')

      const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'app-build'])
      assert.equal(started.code, 0, started.stderr)
      assert.match(started.json.build.id, /^app-build:[0-9a-f-]{36}$/)
      const build = await waitForBuild(codeBuildClient(server), started.json.build.id)
      assert.equal(build.buildStatus, 'SUCCEEDED', JSON.stringify(build.phases))
      assert.equal(build.resolvedSourceVersion, commit)
      assert.equal(build.initiator, 'root')
      assert.equal(build.currentPhase, 'COMPLETED')
      assert.deepEqual(phaseSummary(build), ['SUBMITTED:SUCCEEDED', 'QUEUED:SUCCEEDED', 'PROVISIONING:SUCCEEDED', 'DOWNLOAD_SOURCE:SUCCEEDED', 'INSTALL:SUCCEEDED', 'PRE_BUILD:SUCCEEDED', 'BUILD:SUCCEEDED', 'POST_BUILD:SUCCEEDED', 'UPLOAD_ARTIFACTS:SUCCEEDED', 'FINALIZING:SUCCEEDED', 'COMPLETED'])
      assert.deepEqual(build.exportedEnvironmentVariables, [{ name: 'RESULT', value: 'hello from build 1' }, { name: 'COMMIT', value: commit }])
      assert.equal(build.artifacts?.location, 'arn:aws:s3:::artifacts/builds/app.zip')

      const zip = path.join(work, 'app.zip')
      assert.equal((await aws(server, ['s3', 'cp', 's3://artifacts/builds/app.zip', zip])).code, 0)
      assert.deepEqual(await zipEntries(zip), ['image.txt', 'nested/deep.txt', 'out.txt'])
      const log = await (await fetch(build.logs!.deepLink!, { headers: { authorization: `Basic ${Buffer.from(`${server.accessKeyId}:${server.secretAccessKey}`).toString('base64')}` } })).text()
      assert.match(log, /Running command echo installing\ninstalling\n/)
      assert.match(log, /post_build sees 1/)
      if (executor === 'docker') {
        // The build ran inside the project's image: busybox is its /bin.
        const imageZip = await run('python3', ['-c', 'import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).read("image.txt").decode())', zip])
        assert.equal(imageZip.stdout.trim(), '/bin/busybox')
      }
    })

    it('runs post_build and finally after a failed build command, and skips later phases after a failed install', async () => {
      const failing = `version: 0.2
phases:
  build:
    commands:
      - echo before
      - exit 3
      - echo never
    finally:
      - echo finally-ran
  post_build:
    commands:
      - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"
`
      const client = codeBuildClient(server)
      await client.send(new CreateProjectCommand({ name: 'fails', source: { type: 'NO_SOURCE', buildspec: failing }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
      const started = await client.send(new StartBuildCommand({ projectName: 'fails' }))
      const build = await waitForBuild(client, started.build!.id!)
      assert.equal(build.buildStatus, 'FAILED')
      const buildPhase = build.phases!.find((p) => p.phaseType === 'BUILD')!
      assert.equal(buildPhase.phaseStatus, 'FAILED')
      assert.deepEqual(buildPhase.contexts, [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: exit 3. Reason: exit status 3' }])
      assert.equal(build.phases!.find((p) => p.phaseType === 'POST_BUILD')?.phaseStatus, 'SUCCEEDED')
      const log = await (await fetch(`${build.logs!.deepLink}`, { headers: { authorization: `Basic ${Buffer.from(`${server.accessKeyId}:${server.secretAccessKey}`).toString('base64')}` } })).text()
      assert.match(log, /finally-ran/)
      assert.match(log, /succeeding=0/)
      assert.doesNotMatch(log, /^never$/m)

      const installFails = 'version: 0.2\nphases:\n  install:\n    commands:\n      - "false"\n  build:\n    commands:\n      - echo build-ran\n  post_build:\n    commands:\n      - echo post-ran\n'
      const second = await client.send(new StartBuildCommand({ projectName: 'fails', buildspecOverride: installFails }))
      const b2 = await waitForBuild(client, second.build!.id!)
      assert.equal(b2.buildStatus, 'FAILED')
      assert.deepEqual(phaseSummary(b2), ['SUBMITTED:SUCCEEDED', 'QUEUED:SUCCEEDED', 'PROVISIONING:SUCCEEDED', 'DOWNLOAD_SOURCE:SUCCEEDED', 'INSTALL:FAILED', 'FINALIZING:SUCCEEDED', 'COMPLETED'])
    })

    it('fails a malformed buildspec naming line and column', async () => {
      const client = codeBuildClient(server)
      const started = await client.send(new StartBuildCommand({ projectName: 'fails', buildspecOverride: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n' }))
      const build = await waitForBuild(client, started.build!.id!)
      assert.equal(build.buildStatus, 'FAILED')
      const download = build.phases!.find((p) => p.phaseType === 'DOWNLOAD_SOURCE')!
      assert.equal(download.phaseStatus, 'FAILED')
      assert.equal(download.contexts?.[0]?.statusCode, 'YAML_FILE_ERROR')
      assert.match(download.contexts?.[0]?.message ?? '', /line 5/)
    })

    it('stops a running build within seconds', async () => {
      const client = codeBuildClient(server)
      const started = await client.send(new StartBuildCommand({ projectName: 'fails', buildspecOverride: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo started\n      - sleep 60\n' }))
      const id = started.build!.id!
      await waitForBuild(client, id, { until: (b) => b.currentPhase === 'BUILD' })
      const t0 = Date.now()
      const stopped = await client.send(new StopBuildCommand({ id }))
      assert.equal(stopped.build?.id, id)
      const build = await waitForBuild(client, id, { timeoutMs: 10_000 })
      assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`)
      assert.equal(build.buildStatus, 'STOPPED')
      assert.equal(build.phases!.find((p) => p.phaseType === 'BUILD')?.phaseStatus, 'STOPPED')
      if (executor === 'docker') {
        const ps = await run('docker', ['ps', '-aq', '--filter', `label=slipway.build=${id}`])
        assert.equal(ps.stdout.trim(), '', 'the build container is gone')
      }
    })

    it('queues a second build while concurrentBuildLimit is reached, then runs it', async () => {
      const client = codeBuildClient(server)
      await client.send(new CreateProjectCommand({ name: 'one-at-a-time', concurrentBuildLimit: 1, source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 1\n' }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
      const first = (await client.send(new StartBuildCommand({ projectName: 'one-at-a-time' }))).build!.id!
      await waitForBuild(client, first, { until: (b) => b.currentPhase !== 'QUEUED' })
      const second = (await client.send(new StartBuildCommand({ projectName: 'one-at-a-time' }))).build!.id!
      await new Promise((r) => setTimeout(r, 300))
      const queued = (await client.send(new BatchGetBuildsCommand({ ids: [second] }))).builds![0]!
      assert.equal(queued.currentPhase, 'QUEUED')
      assert.equal(queued.buildStatus, 'IN_PROGRESS')
      const done1 = await waitForBuild(client, first)
      const done2 = await waitForBuild(client, second)
      assert.equal(done1.buildStatus, 'SUCCEEDED')
      assert.equal(done2.buildStatus, 'SUCCEEDED')
      const provisioned2 = done2.phases!.find((p) => p.phaseType === 'PROVISIONING')!.startTime!
      assert.ok(provisioned2.getTime() >= done1.endTime!.getTime() - 50, 'the second build started after the first ended')
    })

    it('carries the LOCAL cache from one build of a project to the next', async () => {
      const client = codeBuildClient(server)
      const spec = `version: 0.2
env:
  exported-variables: [SEEN]
phases:
  build:
    commands:
      - mkdir -p .cache/deps
      - export SEEN="$(cat .cache/deps/marker 2>/dev/null || echo none)"
      - echo "from build $CODEBUILD_BUILD_NUMBER" > .cache/deps/marker
cache:
  paths:
    - '.cache/**/*'
`
      await client.send(new CreateProjectCommand({ name: 'cached', source: { type: 'NO_SOURCE', buildspec: spec }, artifacts: { type: 'NO_ARTIFACTS' }, cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] }, environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
      const b1 = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'cached' }))).build!.id!)
      const b2 = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'cached' }))).build!.id!)
      assert.deepEqual(b1.exportedEnvironmentVariables, [{ name: 'SEEN', value: 'none' }])
      assert.deepEqual(b2.exportedEnvironmentVariables, [{ name: 'SEEN', value: `from build ${b1.buildNumber}` }])
    })
  })
}

describe('CodeBuild API errors', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
  })
  after(async () => {
    await server?.stop()
  })

  it('answers with CodeBuild exception names', async () => {
    const env = ['--environment', 'type=LINUX_CONTAINER,image=x,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r', '--artifacts', 'type=NO_ARTIFACTS']
    assert.equal((await aws(server, ['codebuild', 'create-project', '--name', 'p1', '--source', 'type=NO_SOURCE,buildspec=version: 0.2', ...env])).code, 0)
    assert.equal((await aws(server, ['codebuild', 'create-project', '--name', 'p1', '--source', 'type=NO_SOURCE,buildspec=version: 0.2', ...env])).errorCode, 'ResourceAlreadyExistsException')
    assert.equal((await aws(server, ['codebuild', 'start-build', '--project-name', 'nope'])).errorCode, 'ResourceNotFoundException')
    assert.equal((await aws(server, ['codebuild', 'create-project', '--name', 'p2', '--source', 'type=NO_SOURCE', ...env])).errorCode, 'InvalidInputException')
    const missing = await aws(server, ['codebuild', 'batch-get-builds', '--ids', 'p1:00000000-0000-0000-0000-000000000000'])
    assert.deepEqual(missing.json.buildsNotFound, ['p1:00000000-0000-0000-0000-000000000000'])
    // What CodeBuild's model refuses, and ids that are not build ids, are InvalidInputException (issue 14, item 4).
    const badName = await aws(server, ['codebuild', 'create-project', '--name', 'bad name!', '--source', 'type=NO_SOURCE,buildspec=version: 0.2', ...env])
    assert.equal(badName.errorCode, 'InvalidInputException', badName.stderr)
    for (const args of [['batch-get-builds', '--ids', 'not-a-build-id'], ['stop-build', '--id', 'p1'], ['retry-build', '--id', 'p1:xyz'], ['batch-delete-builds', '--ids', 'nope']]) {
      const res = await aws(server, ['codebuild', ...args])
      assert.equal(res.errorCode, 'InvalidInputException', `${args[0]}: ${res.stderr}`)
      assert.match(res.stderr, /Invalid build ID provided/)
    }
    const listed = await aws(server, ['codebuild', 'list-projects'])
    assert.deepEqual(listed.json.projects, ['p1'])
  })

  it('builds with a missing docker image fail in PROVISIONING with a clear message', { skip: noDocker }, async () => {
    const other = await startTestServer({ extraArgs: ['--executor', 'docker'] })
    try {
      const client = codeBuildClient(other)
      await client.send(new CreateProjectCommand({ name: 'noimage', source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands: [echo hi]\n' }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'slipway-test/does-not-exist:1', computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
      const build = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'noimage' }))).build!.id!)
      assert.equal(build.buildStatus, 'FAILED')
      const provisioning = build.phases!.find((p) => p.phaseType === 'PROVISIONING')!
      assert.equal(provisioning.phaseStatus, 'FAILED')
      assert.match(provisioning.contexts?.[0]?.message ?? '', /slipway-test\/does-not-exist:1/)
    } finally {
      await other.stop()
    }
  })
})

