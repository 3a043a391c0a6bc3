import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { CreateProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild'
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { SLIPWAY_BIN, startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'
import { run } from '../helpers/run.ts'
import { repoWithPushes } from '../helpers/pipeline-fixtures.ts'

const AWS_CLI_PRESENT = (await run('sh', ['-c', 'command -v aws'])).code === 0
const SYSTEM_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => fs.existsSync(p)) ?? process.execPath
const basic = (s: TestServer) => ({ authorization: `Basic ${Buffer.from(`${s.accessKeyId}:${s.secretAccessKey}`).toString('base64')}` })
const project = (name: string, buildspec: string, extra: Record<string, unknown> = {}) =>
  new CreateProjectCommand({ name, source: { type: 'NO_SOURCE', buildspec }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'host', computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r', ...extra })

describe('build logs, secrets and runner crashes (host executor)', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
  })
  after(async () => {
    await server?.stop()
  })

  it('masks PARAMETER_STORE and SECRETS_MANAGER values in the log', async () => {
    const set1 = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'secrets', 'set', '/ci/token', 's3cr3t-T0ken', '--data-dir', server.dataDir])
    assert.equal(set1.code, 0, set1.stderr)
    const set2 = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'secrets', 'set', 'prod/db', '--data-dir', server.dataDir], { input: '{"password":"hunter2-pw"}\n' })
    assert.equal(set2.code, 0, set2.stderr)
    const client = codeBuildClient(server)
    const spec = `version: 0.2
env:
  parameter-store:
    TOKEN: /ci/token
  secrets-manager:
    DB_PASSWORD: prod/db:password
phases:
  build:
    commands:
      - echo "token is $TOKEN and db is $DB_PASSWORD"
      - test "$TOKEN" = s3cr3t-T0ken && test "$DB_PASSWORD" = hunter2-pw && echo values-ok
`
    await client.send(project('secretive', spec))
    const build = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'secretive' }))).build!.id!)
    assert.equal(build.buildStatus, 'SUCCEEDED', JSON.stringify(build.phases))
    const log = await (await fetch(build.logs!.deepLink!, { headers: basic(server) })).text()
    assert.match(log, /token is \*\*\* and db is \*\*\*/)
    assert.match(log, /values-ok/)
    assert.ok(!log.includes('s3cr3t-T0ken') && !log.includes('hunter2-pw'))
    const listed = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'secrets', 'list', '--data-dir', server.dataDir])
    assert.ok(!listed.stdout.includes('s3cr3t'), 'list shows names only')
  })

  it('streams a running build log with `slipway logs --follow`, line by line', async () => {
    // The build prints its ticks only once the follower has shown its first line (a marker file the
    // test creates), so the check holds however late a busy machine starts the follower.
    const marker = path.join(tempDir('follow'), 'following')
    const client = codeBuildClient(server)
    await client.send(project('chatty', `version: 0.2\nphases:\n  build:\n    commands:\n      - echo waiting for the follower\n      - for i in $(seq 1 1200); do test -f ${marker} && break; sleep 0.1; done\n      - for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 0.5; done\n`))
    const id = (await client.send(new StartBuildCommand({ projectName: 'chatty' }))).build!.id!
    const follower = spawn(SYSTEM_NODE, [SLIPWAY_BIN, 'logs', id, '--follow', '--data-dir', server.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const seen: { text: string; at: number }[] = []
    follower.stdout.on('data', (d: Buffer) => {
      seen.push({ text: d.toString(), at: Date.now() })
      if (seen.map((s) => s.text).join('').includes('waiting for the follower')) fs.writeFileSync(marker, '')
    })
    const code = await new Promise<number | null>((resolve) => follower.on('exit', resolve))
    assert.equal(code, 0)
    const all = seen.map((s) => s.text).join('')
    for (let i = 1; i <= 10; i++) assert.match(all, new RegExp(`tick ${i}\\n`))
    assert.match(all, /Build succeeded/)
    // Ticks printed 0.5 s apart while the follower was attached arrive apart, not in one batch.
    const first = seen.find((s) => s.text.includes('tick 7'))!.at
    const last = seen.find((s) => s.text.includes('tick 10'))!.at
    assert.ok(last - first >= 700, `lines arrived as they were printed (spread ${last - first} ms)`)
    const build = await waitForBuild(client, id)
    assert.equal(build.buildStatus, 'SUCCEEDED')
  })

  it('serves a 100,000-line log over HTTP complete and in order, whole and followed from the start', async () => {
    // Regression: the log route reused one read buffer for every chunk it wrote, so chunks still
    // queued in a full socket were overwritten by later ones (lines lost, the start replaced).
    const client = codeBuildClient(server)
    await client.send(project('counts', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 0.3\n      - seq 1 100000\n'))
    const id = (await client.send(new StartBuildCommand({ projectName: 'counts' }))).build!.id!
    const url = `${server.url}/slipway/builds/${encodeURIComponent(id)}/log`
    const followed = fetch(`${url}?follow=true`, { headers: basic(server) }).then((r) => r.text())
    assert.equal((await waitForBuild(client, id)).buildStatus, 'SUCCEEDED')
    /** Where the numbered lines first differ from 1, 2, …, 100000 (-1 when they do not). */
    const firstGap = (log: string) => {
      const numbers = log.split('\n').filter((l) => /^\d+$/.test(l)).map(Number)
      const at = numbers.findIndex((n, i) => n !== i + 1)
      return at >= 0 ? at : numbers.length === 100_000 ? -1 : numbers.length
    }
    assert.equal(firstGap(await followed), -1, 'followed while running')
    assert.equal(firstGap(await (await fetch(url, { headers: basic(server) })).text()), -1, 'read after the end')
  })

  it('gives each build its own key: the AWS CLI in the buildspec reads and writes Slipway S3, the secret is masked, the key is gone after', { skip: !AWS_CLI_PRESENT && 'the AWS CLI is not installed' }, async () => {
    const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } })
    await s3.send(new CreateBucketCommand({ Bucket: 'build-io' }))
    await s3.send(new PutObjectCommand({ Bucket: 'build-io', Key: 'input.txt', Body: 'hello from the bucket\n' }))
    const client = codeBuildClient(server)
    // The build's key may not open a console session (it would outlive the build).
    const askForLoginLink = [
      '      - |',
      "        python3 - <<'PY'",
      '        import base64, os, urllib.error, urllib.request',
      "        auth = base64.b64encode((os.environ['AWS_ACCESS_KEY_ID'] + ':' + os.environ['AWS_SECRET_ACCESS_KEY']).encode()).decode()",
      "        request = urllib.request.Request(os.environ['AWS_ENDPOINT_URL'] + '/console/login-links', method='POST', headers={'authorization': 'Basic ' + auth})",
      '        try:',
      "            print('login link answer', urllib.request.urlopen(request).status)",
      '        except urllib.error.HTTPError as e:',
      "            print('login link answer', e.code)",
      '        PY',
    ].join('\n')
    const buildspec = `version: 0.2\nphases:\n  build:\n    commands:\n      - aws s3 cp s3://build-io/input.txt in.txt\n      - cat in.txt\n      - echo "secret=$AWS_SECRET_ACCESS_KEY"\n      - echo "made by $CODEBUILD_BUILD_ID" > out.txt\n      - aws s3 cp out.txt s3://build-io/from-build.txt\n${askForLoginLink}\n`
    await client.send(project('uses-aws', buildspec))
    const id = (await client.send(new StartBuildCommand({ projectName: 'uses-aws' }))).build!.id!
    const build = await waitForBuild(client, id)
    const log = await (await fetch(`${server.url}/slipway/builds/${encodeURIComponent(id)}/log`, { headers: basic(server) })).text()
    assert.equal(build.buildStatus, 'SUCCEEDED', log)
    assert.match(log, /^hello from the bucket$/m)
    assert.match(log, /^secret=\*\*\*$/m, 'the build key\'s secret is masked in the log')
    assert.match(log, /^login link answer 403$/m, 'a build\'s key cannot ask for a console login link')
    const written = await s3.send(new GetObjectCommand({ Bucket: 'build-io', Key: 'from-build.txt' }))
    assert.equal(await written.Body!.transformToString(), `made by ${id}\n`)
    const keys = await run(process.execPath, [SLIPWAY_BIN, 'keys', 'list', '--data-dir', server.dataDir])
    assert.doesNotMatch(keys.stdout, /\tbuild:/, 'the build key was deleted when the build ended')
  })

  it('env.git-credential-helper: git in the build clones a Slipway repository with the build\'s key; without it git is refused', { skip: !AWS_CLI_PRESENT && 'the AWS CLI is not installed' }, async () => {
    const work = tempDir('git-helper')
    const repo = await repoWithPushes(server, work, 'helper-repo')
    await repo.push('main', 'from-the-repo.txt')
    const client = codeBuildClient(server)
    const clone = 'version: 0.2\nenv:\n  git-credential-helper: HELPER\n  variables:\n    GIT_TERMINAL_PROMPT: "0"\nphases:\n  build:\n    commands:\n      - git clone -q "$AWS_ENDPOINT_URL/v1/repos/helper-repo" cloned\n      - cat cloned/from-the-repo.txt\n'
    await client.send(project('git-helper-yes', clone.replace('HELPER', 'yes')))
    await client.send(project('git-helper-no', clone.replace('HELPER', 'no')))
    const logOf = async (id: string) => (await fetch(`${server.url}/slipway/builds/${encodeURIComponent(id)}/log`, { headers: basic(server) })).text()
    const yes = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'git-helper-yes' }))).build!.id!)
    const yesLog = await logOf(yes.id!)
    assert.equal(yes.buildStatus, 'SUCCEEDED', yesLog)
    assert.match(yesLog, /^change 1$/m, 'the cloned file is the pushed one')
    const no = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'git-helper-no' }))).build!.id!)
    assert.equal(no.buildStatus, 'FAILED', 'without the helper git has no credentials')
    assert.match(await logOf(no.id!), /Authentication failed|could not read Username|401/)
  })

  it('keeps JUnit XML test reports with the build', async () => {
    const client = codeBuildClient(server)
    const junit = '<?xml version="1.0"?><testsuites><testsuite name="math" tests="3"><testcase classname="math.add" name="adds" time="0.5"/><testcase classname="math.add" name="carries" time="0.25"/><testcase classname="math.div" name="by zero" time="0.1"><failure message="expected Infinity">stack</failure></testcase></testsuite></testsuites>'
    const spec = `version: 0.2
phases:
  build:
    commands:
      - mkdir -p out/reports && printf '%s' '${junit}' > out/reports/junit.xml
reports:
  unit:
    files: ['**/*.xml']
    base-directory: out/reports
`
    await client.send(project('tested', spec))
    const build = await waitForBuild(client, (await client.send(new StartBuildCommand({ projectName: 'tested' }))).build!.id!)
    assert.equal(build.buildStatus, 'SUCCEEDED', JSON.stringify(build.phases))
    assert.equal(build.reportArns?.length, 1)
    const arn = build.reportArns![0]!
    assert.match(arn, /^arn:aws:codebuild:us-east-1:000000000000:report\/tested-unit:[0-9a-f-]{36}$/)
    const { BatchGetReportsCommand, DescribeTestCasesCommand } = await import('@aws-sdk/client-codebuild')
    const report = (await client.send(new BatchGetReportsCommand({ reportArns: [arn] }))).reports![0]!
    assert.equal(report.status, 'FAILED')
    assert.equal(report.testSummary?.total, 3)
    assert.deepEqual(report.testSummary?.statusCounts, { SUCCEEDED: 2, FAILED: 1 })
    assert.equal(report.testSummary?.durationInNanoSeconds, 850_000_000)
    const cases = (await client.send(new DescribeTestCasesCommand({ reportArn: arn, filter: { status: 'FAILED' } }))).testCases!
    assert.deepEqual(cases.map((c) => [c.prefix, c.name, c.message]), [['math.div', 'by zero', 'expected Infinity']])
  })

  it('refuses the log endpoint without credentials', async () => {
    const res = await fetch(`${server.url}/slipway/builds/x:y/log`)
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') ?? '', /Basic/)
  })
})

describe('a server killed during a build', () => {
  it('ends the build FAILED after the runner lease instead of leaving it IN_PROGRESS', async () => {
    const dataDir = tempDir('build-crash')
    const env = { SLIPWAY_BUILD_LEASE_MS: '2000' }
    const first = await startTestServer({ dataDir, extraArgs: ['--executor', 'host'], env })
    const client = codeBuildClient(first)
    await client.send(project('long', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 37\n'))
    const id = (await client.send(new StartBuildCommand({ projectName: 'long' }))).build!.id!
    await waitForBuild(client, id, { until: (b) => b.currentPhase === 'BUILD' })
    const pid = (JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number }).pid
    process.kill(pid, 'SIGKILL')
    await first.stop()

    const second = await startTestServer({ dataDir, extraArgs: ['--executor', 'host'], env })
    try {
      const build = await waitForBuild(codeBuildClient(second), id, { timeoutMs: 15_000 })
      assert.equal(build.buildStatus, 'FAILED')
      const phase = build.phases!.find((p) => p.phaseType === 'BUILD')!
      assert.equal(phase.phaseStatus, 'FAILED')
      assert.match(phase.contexts?.[0]?.message ?? '', /runner stopped responding/)
      const left = await run('pgrep', ['-f', 'sleep 37'])
      assert.equal(left.stdout.trim(), '', 'the dead server\'s build processes were killed at restart')
      // The server works normally afterwards.
      const next = await waitForBuild(codeBuildClient(second), (await codeBuildClient(second).send(new StartBuildCommand({ projectName: 'long', buildspecOverride: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n' }))).build!.id!)
      assert.equal(next.buildStatus, 'SUCCEEDED')
    } finally {
      await second.stop()
    }
  })
})
