import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { AcknowledgeJobCommand, CreateCustomActionTypeCommand, GetJobDetailsCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand, PollForJobsCommand, PutJobFailureResultCommand, PutJobSuccessResultCommand, type Job } from '@aws-sdk/client-codepipeline'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { codePipelineClient, waitForExecution } from '../helpers/codepipeline.ts'
import { buildStage, createPipeline, createPipelineProject, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'

const cliMissing = !(await awsCliAvailable())
const TYPE = { category: 'Deploy' as const, owner: 'Custom' as const, provider: 'MyDeployer', version: '1' }

describe('custom actions through the job-worker API, S3 deploy, and a burst of pushes', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  const dir = tempDir('pipeline-jobs')
  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
  })
  after(async () => {
    await server?.stop()
  })

  async function poll(): Promise<Job> {
    const client = codePipelineClient(server)
    for (let i = 0; i < 200; i++) {
      const jobs = (await client.send(new PollForJobsCommand({ actionTypeId: TYPE, maxBatchSize: 1 }))).jobs ?? []
      if (jobs[0]) return jobs[0]
      await sleep(50)
    }
    throw new Error('no job')
  }

  it('an external worker polls, acknowledges, continues, and succeeds a custom action', async () => {
    const client = codePipelineClient(server)
    await client.send(new CreateCustomActionTypeCommand({ ...TYPE, configurationProperties: [{ name: 'Target', required: true, key: true, secret: false }], inputArtifactDetails: { minimumCount: 1, maximumCount: 1 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }))
    const repo = await repoWithPushes(server, dir, 'custom-app')
    await repo.push()
    const created = await createPipeline(server, dir, { name: 'custom', stages: [sourceStage('custom-app'), { name: 'Deploy', actions: [{ name: 'Ship', namespace: 'Ship', actionTypeId: TYPE, configuration: { Target: 'prod-#{SourceVariables.BranchName}' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] }] })
    assert.equal(created.code, 0, created.stderr)
    const job = await poll()
    assert.equal(job.data?.actionConfiguration?.configuration?.Target, 'prod-main')
    assert.equal(job.data?.inputArtifacts?.[0]?.location?.s3Location?.bucketName, 'pipeline-artifacts')
    await assert.rejects(client.send(new AcknowledgeJobCommand({ jobId: job.id!, nonce: 'wrong' })), (e: Error) => e.name === 'InvalidNonceException')
    assert.equal((await client.send(new AcknowledgeJobCommand({ jobId: job.id!, nonce: job.nonce! }))).status, 'InProgress')
    await client.send(new PutJobSuccessResultCommand({ jobId: job.id!, continuationToken: 'step-2', executionDetails: { summary: 'half way', externalExecutionId: 'ext-1' } }))
    const again = await poll()
    assert.equal(again.id, job.id)
    assert.equal(again.data?.continuationToken, 'step-2')
    await client.send(new AcknowledgeJobCommand({ jobId: again.id!, nonce: again.nonce! }))
    assert.equal((await client.send(new GetJobDetailsCommand({ jobId: again.id! }))).jobDetails?.data?.pipelineContext?.pipelineName, 'custom')
    await client.send(new PutJobSuccessResultCommand({ jobId: again.id!, outputVariables: { URL: 'https://prod.example' }, executionDetails: { summary: 'shipped' } }))
    await assert.rejects(client.send(new PutJobSuccessResultCommand({ jobId: again.id! })), (e: Error) => e.name === 'InvalidJobStateException')
    const execId = job.data!.pipelineContext!.pipelineExecutionId!
    assert.equal((await waitForExecution(client, 'custom', execId)).status, 'Succeeded')
    const details = (await client.send(new ListActionExecutionsCommand({ pipelineName: 'custom', filter: { pipelineExecutionId: execId } }))).actionExecutionDetails!
    assert.deepEqual(details.find((d) => d.actionName === 'Ship')?.output?.outputVariables, { URL: 'https://prod.example' })

    // A failure result fails the action and the execution.
    const second = await aws(server, ['codepipeline', 'start-pipeline-execution', '--name', 'custom'])
    const failing = await poll()
    await client.send(new AcknowledgeJobCommand({ jobId: failing.id!, nonce: failing.nonce! }))
    await client.send(new PutJobFailureResultCommand({ jobId: failing.id!, failureDetails: { type: 'JobFailed', message: 'target unreachable' } }))
    const failed = await waitForExecution(client, 'custom', second.json.pipelineExecutionId)
    assert.equal(failed.status, 'Failed')
  })

  it('V2 pipeline variables take their defaults, and StartPipelineExecution overrides them', async () => {
    const repo = await repoWithPushes(server, dir, 'vars-app')
    await repo.push()
    await createPipelineProject(server, 'vars-build', 'version: 0.2\nenv:\n  exported-variables: [SEEN]\nphases:\n  build:\n    commands:\n      - export SEEN="$DEPLOY_ENV"\n')
    const build = buildStage('vars-build')
    ;(build.actions[0]!.configuration as Record<string, string>).EnvironmentVariables = '[{"name":"DEPLOY_ENV","value":"#{variables.DeployEnv}","type":"PLAINTEXT"}]'
    const created = await createPipeline(server, dir, { name: 'vars', pipelineType: 'V2', variables: [{ name: 'DeployEnv', defaultValue: 'staging' }], stages: [sourceStage('vars-app'), build] })
    assert.equal(created.code, 0, created.stderr)
    const client = codePipelineClient(server)
    const started = await aws(server, ['codepipeline', 'start-pipeline-execution', '--name', 'vars', '--variables', 'name=DeployEnv,value=prod'])
    assert.equal(started.code, 0, started.stderr)
    const done = await waitForExecution(client, 'vars', started.json.pipelineExecutionId)
    assert.equal(done.status, 'Succeeded', done.statusSummary)
    assert.deepEqual(done.variables, [{ name: 'DeployEnv', resolvedValue: 'prod' }])
    const details = (await client.send(new ListActionExecutionsCommand({ pipelineName: 'vars', filter: { pipelineExecutionId: started.json.pipelineExecutionId } }))).actionExecutionDetails!
    assert.equal(details.find((d) => d.actionName === 'Build')?.output?.outputVariables?.SEEN, 'prod')
    const undeclared = await aws(server, ['codepipeline', 'start-pipeline-execution', '--name', 'vars', '--variables', 'name=Nope,value=x'])
    assert.notEqual(undeclared.code, 0)
  })

  it('an S3 deploy action extracts the artifact into a bucket', async () => {
    await aws(server, ['s3', 'mb', 's3://website'])
    await createPipelineProject(server, 'site', 'version: 0.2\nphases:\n  build:\n    commands:\n      - mkdir -p out/css && echo "<h1>hi</h1>" > out/index.html && echo "h1{}" > out/css/site.css\nartifacts:\n  files: [\'**/*\']\n  base-directory: out\n')
    const repo = await repoWithPushes(server, dir, 'site-app')
    await repo.push()
    const build = buildStage('site')
    build.actions[0] = { ...build.actions[0]!, outputArtifacts: [{ name: 'Site' }] } as never
    const created = await createPipeline(server, dir, { name: 'site', stages: [sourceStage('site-app'), build, { name: 'Publish', actions: [{ name: 'Publish', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { BucketName: 'website', Extract: 'true', ObjectKey: 'v1' }, inputArtifacts: [{ name: 'Site' }] }] }] })
    assert.equal(created.code, 0, created.stderr)
    for (let i = 0; i < 200; i++) {
      const listed = await aws(server, ['s3', 'ls', '--recursive', 's3://website/'])
      if (listed.stdout.includes('v1/css/site.css')) break
      await sleep(100)
    }
    const page = await aws(server, ['s3', 'cp', 's3://website/v1/index.html', '-'])
    assert.equal(page.stdout, '<h1>hi</h1>\n')
  })

  it('a burst of 20 pushes: QUEUED runs every one in order, SUPERSEDED loses none and ends on the last', async () => {
    const repo = await repoWithPushes(server, dir, 'burst-app')
    await repo.push()
    await createPipelineProject(server, 'quick', 'version: 0.2\nphases:\n  build:\n    commands:\n      - "true"\n')
    for (const mode of ['QUEUED', 'SUPERSEDED']) {
      assert.equal((await createPipeline(server, dir, { name: `burst-${mode}`, pipelineType: 'V2', executionMode: mode, stages: [sourceStage('burst-app'), buildStage('quick')] })).code, 0)
    }
    const commits: string[] = []
    for (let i = 0; i < 20; i++) commits.push(await repo.push())
    const client = codePipelineClient(server)
    const settled = async (name: string) => {
      for (let i = 0; i < 600; i++) {
        const list = ((await client.send(new ListPipelineExecutionsCommand({ pipelineName: name }))).pipelineExecutionSummaries ?? []).filter((e) => e.trigger?.triggerType !== 'CreatePipeline')
        if (list.length >= 20 && list.every((e) => !['InProgress', 'Stopping'].includes(e.status!))) return list.reverse()
        await sleep(100)
      }
      throw new Error(`${name} did not settle`)
    }
    const queued = await settled('burst-QUEUED')
    assert.deepEqual(queued.map((e) => e.sourceRevisions?.[0]?.revisionId), commits)
    assert.ok(queued.every((e) => e.status === 'Succeeded'))
    const superseded = await settled('burst-SUPERSEDED')
    assert.equal(superseded.length, 20, 'one execution per push')
    assert.ok(superseded.every((e) => e.status === 'Succeeded' || e.status === 'Superseded'), JSON.stringify(superseded.map((e) => e.status)))
    assert.equal(superseded.at(-1)?.sourceRevisions?.[0]?.revisionId, commits.at(-1))
    assert.equal(superseded.at(-1)?.status, 'Succeeded')
  })
})
