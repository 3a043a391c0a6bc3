import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { startTestServer, ROOT, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { createRunnerKey } from '../helpers/runners.ts'
import { ServiceError, RunnerClient } from '../../src/runner/rpc-client.ts'
import { signedFetch } from '../../src/protocol/sigv4/sign-request.ts'

const SLIPWAY = path.join(ROOT, 'src', 'cli', 'main.ts')

/**
 * The runner protocol spoken directly (the runner's own client against the real server), for what a
 * well-behaved runner never does: ask for secrets its build does not declare, act on builds it does
 * not hold, send malformed reports.
 */
describe('the runner protocol refuses what a runner may not do', () => {
  let server: TestServer
  let a: RunnerClient
  let b: RunnerClient
  let runnerA: string
  let runnerB: string

  before(async () => {
    server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'] })
    const endpoint = async (name: string) => ({ url: server.url, region: 'us-east-1', credentials: await createRunnerKey(server, name) })
    a = new RunnerClient(await endpoint('proto-a'))
    b = new RunnerClient(await endpoint('proto-b'))
    runnerA = (await a.register({ name: 'proto-a', labels: {}, capacity: 2, executor: 'host', version: 'test' })).runnerId
    runnerB = (await b.register({ name: 'proto-b', labels: {}, capacity: 2, executor: 'host', version: 'test' })).runnerId
    for (const [name, value] of [['declared', 'declared-value'], ['undeclared', 'undeclared-value']]) {
      assert.equal((await run(process.execPath, [SLIPWAY, 'secrets', 'set', name!, value!, '--data-dir', server.dataDir])).code, 0)
    }
    const spec = 'version: 0.2\nenv:\n  parameter-store:\n    TOKEN: declared\nphases:\n  build:\n    commands:\n      - echo hi\n'
    const created = await aws(server, ['codebuild', 'create-project', '--name', 'proto', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: spec }), '--artifacts', 'type=NO_ARTIFACTS',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
  })
  after(async () => {
    await server?.stop()
  })

  const refused = async (call: Promise<unknown>, code: string) => {
    await assert.rejects(call, (err: unknown) => err instanceof ServiceError && err.code === code)
  }

  it('hands a claimed build to one runner only, and only its holder may act on it', async () => {
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'proto'])
    assert.equal(started.code, 0, started.stderr)
    const [assignment] = await a.next(runnerA, 1, 5000)
    assert.ok(assignment, 'runner A got the build')
    assert.equal(assignment.build.id, started.json.build.id)
    assert.deepEqual(await b.next(runnerB, 1, 0), [], 'nothing is left for runner B')

    // B cannot act on A's build, nor use A's runner id.
    await refused(b.update(runnerB, assignment.jobId, assignment.build), 'ClaimLostException')
    await refused(b.secret(runnerB, assignment.jobId, 'PARAMETER_STORE', 'declared'), 'ClaimLostException')
    await refused(b.next(runnerA, 1, 0), 'UnknownRunnerException')

    // A reads what its build declares, and nothing else.
    assert.equal(await a.secret(runnerA, assignment.jobId, 'PARAMETER_STORE', 'declared'), 'declared-value')
    await refused(a.secret(runnerA, assignment.jobId, 'PARAMETER_STORE', 'undeclared'), 'AccessDeniedException')
    const audit = await run(process.execPath, [SLIPWAY, 'audit', '--limit', '20', '--data-dir', server.dataDir])
    assert.match(audit.stdout, /runner:proto-a\s+codebuild:RunnerReadSecret\s+PARAMETER_STORE:declared/)

    // A report that is not this build's is refused; a malformed build record is a 400, not a 500.
    const report = { arn: 'arn:aws:codebuild:us-east-1:000000000000:report/other-group:not-this-build', buildId: 'x', reportGroupArn: 'arn:aws:codebuild:us-east-1:000000000000:report-group/other-group', name: 'r', type: 'TEST' as const, status: 'SUCCEEDED' as const, createdAt: new Date(), summary: { total: 0, statusCounts: {}, durationInNanoSeconds: 0 }, testCases: [] }
    await refused(a.report(runnerA, assignment.jobId, report), 'ValidationException')
    const res = await signedFetch(`${server.url}/runner/v1/update`, {
      method: 'POST', body: JSON.stringify({ runnerId: runnerA, jobId: assignment.jobId, build: { status: 'IN_PROGRESS', currentPhase: 'BUILD', phases: [null] } }),
      service: 'codebuild', region: 'us-east-1', credentials: a.endpoint.credentials,
    })
    assert.equal(res.status, 400)
    assert.equal(((await res.json()) as { __type: string }).__type, 'ValidationException')
    const unknownCall = await signedFetch(`${server.url}/runner/v1/constructor`, { method: 'POST', body: '{}', service: 'codebuild', region: 'us-east-1', credentials: a.endpoint.credentials })
    assert.equal(unknownCall.status, 404)

    // The end it reports is the build's end.
    const final = { ...assignment.build, status: 'SUCCEEDED' as const, currentPhase: 'COMPLETED', endTime: new Date(), phases: [...assignment.build.phases.map((p) => ({ ...p, endTime: p.endTime ?? new Date(), phaseStatus: p.phaseStatus ?? ('SUCCEEDED' as const) })), { phaseType: 'COMPLETED', startTime: new Date() }] }
    await a.done(runnerA, assignment.jobId, final)
    const shown = await aws(server, ['codebuild', 'batch-get-builds', '--ids', assignment.build.id])
    assert.equal(shown.json.builds[0].buildStatus, 'SUCCEEDED')
    await refused(a.update(runnerA, assignment.jobId, final), 'ClaimLostException')
  })

  it('answers any key that is not a runner key with AccessDenied', async () => {
    const root = new RunnerClient({ url: server.url, region: 'us-east-1', credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } })
    await refused(root.register({ name: 'sneaky', labels: {}, capacity: 1, executor: 'host', version: 'test' }), 'AccessDeniedException')
  })
})
