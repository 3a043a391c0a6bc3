import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ListPipelineExecutionsCommand, type PipelineExecutionSummary } from '@aws-sdk/client-codepipeline'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { codePipelineClient, stageStatus, waitForExecution, waitForState } from '../helpers/codepipeline.ts'
import { approvalStage, buildStage, commandsStage, createPipeline, createPipelineProject, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())

/** Executions not started by CreatePipeline, oldest first. */
async function pushedExecutions(server: TestServer, name: string): Promise<PipelineExecutionSummary[]> {
  const all = (await codePipelineClient(server).send(new ListPipelineExecutionsCommand({ pipelineName: name }))).pipelineExecutionSummaries ?? []
  return all.filter((e) => e.trigger?.triggerType !== 'CreatePipeline').reverse()
}

async function settle(server: TestServer, name: string, count: number, timeoutMs = 30_000): Promise<PipelineExecutionSummary[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const list = await pushedExecutions(server, name)
    if (list.length >= count && list.every((e) => !['InProgress', 'Stopping'].includes(e.status ?? ''))) return list
    if (Date.now() > deadline) throw new Error(`${name}: ${JSON.stringify(list.map((e) => [e.status, e.sourceRevisions?.[0]?.revisionId?.slice(0, 7)]))}`)
    await sleep(100)
  }
}

describe('CodePipeline behaviour (host executor, real AWS CLI and git)', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  const dir = tempDir('pipeline-behaviour')
  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
  })
  after(async () => {
    await server?.stop()
  })

  it('a failing build fails the stage; RetryStageExecution is refused after a structure change and works for FAILED_ACTIONS after a fix', async () => {
    const repo = await repoWithPushes(server, dir, 'retry-app')
    await repo.push()
    await createPipelineProject(server, 'flaky', 'version: 0.2\nphases:\n  build:\n    commands:\n      - exit 1\n')
    assert.equal((await createPipeline(server, dir, { name: 'retry', stages: [sourceStage('retry-app'), buildStage('flaky')] })).code, 0)
    const client = codePipelineClient(server)
    const failed = await waitForState(client, 'retry', (s) => stageStatus(s, 'Build') === 'Failed')
    const execId = failed.stageStates!.find((s) => s.stageName === 'Build')!.latestExecution!.pipelineExecutionId!
    assert.equal((await waitForExecution(client, 'retry', execId)).status, 'Failed')

    // A structure change makes the failed stage not retryable.
    const got = await aws(server, ['codepipeline', 'get-pipeline', '--name', 'retry'])
    const updatedDoc = path.join(dir, 'retry-v2.json')
    fs.writeFileSync(updatedDoc, JSON.stringify({ pipeline: { ...got.json.pipeline, stages: [...got.json.pipeline.stages, approvalStage()] } }))
    const updated = await aws(server, ['codepipeline', 'update-pipeline', '--cli-input-json', `file://${updatedDoc}`])
    assert.equal(updated.json.pipeline.version, 2)
    const refused = await aws(server, ['codepipeline', 'retry-stage-execution', '--pipeline-name', 'retry', '--stage-name', 'Build', '--pipeline-execution-id', execId, '--retry-mode', 'FAILED_ACTIONS'])
    assert.equal(refused.errorCode, 'StageNotRetryableException')
    const v1 = await aws(server, ['codepipeline', 'get-pipeline', '--name', 'retry', '--pipeline-version', '1'])
    assert.equal(v1.json.pipeline.stages.length, 2)

    // A new run fails again; fix the project; retry the failed action: the execution goes on and succeeds.
    const again = await aws(server, ['codepipeline', 'start-pipeline-execution', '--name', 'retry'])
    await waitForExecution(client, 'retry', again.json.pipelineExecutionId)
    assert.equal((await aws(server, ['codebuild', 'update-project', '--name', 'flaky', '--source', JSON.stringify({ type: 'CODEPIPELINE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo fixed\n' })])).code, 0)
    const retried = await aws(server, ['codepipeline', 'retry-stage-execution', '--pipeline-name', 'retry', '--stage-name', 'Build', '--pipeline-execution-id', again.json.pipelineExecutionId, '--retry-mode', 'FAILED_ACTIONS'])
    assert.equal(retried.code, 0, retried.stderr)
    const state = await waitForState(client, 'retry', (s) => s.stageStates?.find((x) => x.stageName === 'Approve')?.actionStates?.[0]?.latestExecution?.status === 'InProgress')
    assert.equal(stageStatus(state, 'Build'), 'Succeeded')
    assert.equal((await aws(server, ['codepipeline', 'stop-pipeline-execution', '--pipeline-name', 'retry', '--pipeline-execution-id', again.json.pipelineExecutionId, '--abandon'])).code, 0)
  })

  for (const mode of ['SUPERSEDED', 'QUEUED'] as const) {
    it(`${mode}: three quick pushes while a build runs`, async () => {
      const name = `mode-${mode.toLowerCase()}`
      const repo = await repoWithPushes(server, dir, `${name}-app`)
      await repo.push()
      await createPipelineProject(server, `${name}-slow`, 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 1\n')
      assert.equal((await createPipeline(server, dir, { name, pipelineType: 'V2', executionMode: mode, stages: [sourceStage(`${name}-app`), buildStage(`${name}-slow`)] })).code, 0)
      await waitForState(codePipelineClient(server), name, (s) => ['Succeeded', 'Failed'].includes(stageStatus(s, 'Build') ?? ''))
      const commits = []
      for (let i = 0; i < 3; i++) {
        commits.push(await repo.push())
        await sleep(150)
      }
      const done = await settle(server, name, 3)
      const byCommit = (c: string) => done.find((e) => e.sourceRevisions?.[0]?.revisionId === c)?.status
      if (mode === 'SUPERSEDED') {
        assert.deepEqual(commits.map(byCommit), ['Succeeded', 'Superseded', 'Succeeded'])
      } else {
        assert.deepEqual(commits.map(byCommit), ['Succeeded', 'Succeeded', 'Succeeded'])
        const starts = done.map((e) => e.sourceRevisions?.[0]?.revisionId)
        assert.deepEqual(starts, commits, 'run in arrival order')
      }
    })
  }

  it('a V2 stage with onFailure RETRY retries itself once: a flaky step passes, a broken one fails after the retry', async () => {
    const repo = await repoWithPushes(server, dir, 'auto-retry-app')
    await repo.push()
    const marker = path.join(dir, 'flaky-once')
    const retrying = (name: string, cmds: string[], retryMode?: string) => commandsStage(name, cmds, { onFailure: { result: 'RETRY', ...(retryMode ? { retryConfiguration: { retryMode } } : {}) } })
    const created = await createPipeline(server, dir, {
      name: 'auto-retry',
      pipelineType: 'V2',
      stages: [sourceStage('auto-retry-app'), retrying('Flaky', [`test -f ${marker} || { touch ${marker}; exit 3; }`], 'ALL_ACTIONS'), retrying('Broken', ['exit 4'])],
    })
    assert.equal(created.code, 0, created.stderr)
    const shown = await aws(server, ['codepipeline', 'get-pipeline', '--name', 'auto-retry'])
    assert.deepEqual(shown.json.pipeline.stages[1].onFailure, { result: 'RETRY', retryConfiguration: { retryMode: 'ALL_ACTIONS' } })
    const [first] = await pushedExecutions(server, 'auto-retry').then(async (l) => (l.length > 0 ? l : (await codePipelineClient(server).send(new ListPipelineExecutionsCommand({ pipelineName: 'auto-retry' }))).pipelineExecutionSummaries ?? []))
    const done = await waitForExecution(codePipelineClient(server), 'auto-retry', first!.pipelineExecutionId!)
    assert.equal(done.status, 'Failed')
    assert.match(done.statusSummary ?? '', /Stage Broken failed/, 'the flaky stage passed on its automatic retry; the broken one failed after its own')
    const state = (await aws(server, ['codepipeline', 'get-pipeline-state', '--name', 'auto-retry'])).json
    const stage = (name: string) => state.stageStates.find((s: { stageName: string }) => s.stageName === name)
    assert.equal(stage('Flaky').latestExecution.status, 'Succeeded')
    assert.deepEqual(stage('Flaky').retryStageMetadata, { autoStageRetryAttempt: 1, latestRetryTrigger: 'AutomatedStageRetry' })
    assert.equal(stage('Broken').latestExecution.status, 'Failed')
    assert.deepEqual(stage('Broken').retryStageMetadata, { autoStageRetryAttempt: 1, latestRetryTrigger: 'AutomatedStageRetry' })
    const runs = (await aws(server, ['codepipeline', 'list-action-executions', '--pipeline-name', 'auto-retry', '--filter', `pipelineExecutionId=${first!.pipelineExecutionId}`])).json.actionExecutionDetails
    assert.equal(runs.filter((r: { stageName: string }) => r.stageName === 'Broken').length, 2, 'the broken action ran twice')
  })

  it('onFailure ROLLBACK rolls a failed stage back to its last success; rollback-stage does it by hand', async () => {
    const repo = await repoWithPushes(server, dir, 'rollback-app')
    await repo.push('main', 'good.txt')
    const deploy = commandsStage('Deploy', ['test ! -f broken.txt', 'cat good.txt'], { onFailure: { result: 'ROLLBACK' } })
    const created = await createPipeline(server, dir, { name: 'rollback', pipelineType: 'V2', stages: [sourceStage('rollback-app'), deploy] })
    assert.equal(created.code, 0, created.stderr)
    const client = codePipelineClient(server)
    const list = async () => (await client.send(new ListPipelineExecutionsCommand({ pipelineName: 'rollback' }))).pipelineExecutionSummaries ?? []
    const good = (await list())[0]!
    assert.equal((await waitForExecution(client, 'rollback', good.pipelineExecutionId!)).status, 'Succeeded')

    await repo.push('main', 'broken.txt')
    let rolled: PipelineExecutionSummary | undefined
    for (const deadline = Date.now() + 30_000; !rolled; await sleep(100)) {
      assert.ok(Date.now() < deadline, JSON.stringify(await list()))
      rolled = (await list()).find((e) => e.executionType === 'ROLLBACK' && !['InProgress', 'Stopping'].includes(e.status ?? ''))
    }
    const failed = (await list()).find((e) => e.trigger?.triggerType === 'CloudWatchEvent')!
    assert.equal(failed.status, 'Failed')
    assert.equal(rolled.status, 'Succeeded')
    assert.deepEqual(rolled.trigger, { triggerType: 'AutomatedRollback', triggerDetail: failed.pipelineExecutionId })
    assert.equal(rolled.rollbackMetadata?.rollbackTargetPipelineExecutionId, good.pipelineExecutionId)
    assert.equal(rolled.sourceRevisions?.[0]?.revisionId, good.sourceRevisions?.[0]?.revisionId, 'the good commit was deployed again')
    const detail = (await aws(server, ['codepipeline', 'get-pipeline-execution', '--pipeline-name', 'rollback', '--pipeline-execution-id', rolled.pipelineExecutionId!])).json.pipelineExecution
    assert.equal(detail.executionType, 'ROLLBACK')
    const state = (await aws(server, ['codepipeline', 'get-pipeline-state', '--name', 'rollback'])).json.stageStates
    assert.equal(state[0].latestExecution.pipelineExecutionId, failed.pipelineExecutionId, 'the rollback did not run the source stage')
    assert.deepEqual(state[1].latestExecution, { pipelineExecutionId: rolled.pipelineExecutionId, status: 'Succeeded', type: 'ROLLBACK' })
    const actions = (await aws(server, ['codepipeline', 'list-action-executions', '--pipeline-name', 'rollback', '--filter', `pipelineExecutionId=${rolled.pipelineExecutionId}`])).json.actionExecutionDetails
    assert.deepEqual(actions.map((a: { stageName: string }) => a.stageName), ['Deploy'])

    const manual = await aws(server, ['codepipeline', 'rollback-stage', '--pipeline-name', 'rollback', '--stage-name', 'Deploy', '--target-pipeline-execution-id', good.pipelineExecutionId!])
    assert.equal(manual.code, 0, manual.stderr)
    const byHand = await waitForExecution(client, 'rollback', manual.json.pipelineExecutionId)
    assert.equal(byHand.status, 'Succeeded')
    assert.equal(byHand.trigger?.triggerType, 'ManualRollback')
    const source = await aws(server, ['codepipeline', 'rollback-stage', '--pipeline-name', 'rollback', '--stage-name', 'Source', '--target-pipeline-execution-id', good.pipelineExecutionId!])
    assert.equal(source.errorCode, 'UnableToRollbackStageException', source.stderr)
    const toFailed = await aws(server, ['codepipeline', 'rollback-stage', '--pipeline-name', 'rollback', '--stage-name', 'Deploy', '--target-pipeline-execution-id', failed.pipelineExecutionId!])
    assert.equal(toFailed.errorCode, 'UnableToRollbackStageException', toFailed.stderr)
  })

  it('a V2 trigger with a branch glob runs feature/* pushes with that branch\'s commit, and not others', async () => {
    const repo = await repoWithPushes(server, dir, 'glob-app')
    await repo.push()
    await createPipelineProject(server, 'glob-build', 'version: 0.2\nenv:\n  exported-variables: [BRANCH]\nphases:\n  build:\n    commands:\n      - export BRANCH="$(git rev-parse HEAD 2>/dev/null || echo nogit)"\n')
    const created = await createPipeline(server, dir, {
      name: 'glob', pipelineType: 'V2', executionMode: 'PARALLEL',
      stages: [sourceStage('glob-app'), buildStage('glob-build')],
      triggers: [{ providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'Source', push: [{ branches: { includes: ['feature/*'] } }] } }],
    })
    assert.equal(created.code, 0, created.stderr)
    const feature = await repo.push('feature/login')
    await repo.push('hotfix')
    await repo.push('main')
    const runs = await settle(server, 'glob', 1)
    await sleep(500)
    const all = await pushedExecutions(server, 'glob')
    assert.equal(all.length, 1, JSON.stringify(all.map((e) => e.sourceRevisions)))
    assert.equal(runs[0]!.sourceRevisions?.[0]?.revisionId, feature)
    assert.equal(runs[0]!.trigger?.triggerType, 'WebhookV2')
    assert.equal(runs[0]!.status, 'Succeeded')
  })

  it('`aws s3 cp` of a zip to a watched key starts the pipeline with that object version', async () => {
    assert.equal((await aws(server, ['s3', 'mb', 's3://uploads'])).code, 0)
    assert.equal((await aws(server, ['s3api', 'put-bucket-versioning', '--bucket', 'uploads', '--versioning-configuration', 'Status=Enabled'])).code, 0)
    await createPipelineProject(server, 'from-zip', 'version: 0.2\nphases:\n  build:\n    commands:\n      - cat hello.txt\n')
    const created = await createPipeline(server, dir, {
      name: 'upload',
      stages: [
        { name: 'Source', actions: [{ name: 'Zip', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { S3Bucket: 'uploads', S3ObjectKey: 'drops/build.zip', PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'SourceArtifact' }] }] },
        buildStage('from-zip'),
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const zip = path.join(dir, 'build.zip')
    const made = await run('python3', ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w"); z.writestr("hello.txt","hello from zip\\n"); z.close()', zip])
    assert.equal(made.code, 0)
    const put = await aws(server, ['s3api', 'put-object', '--bucket', 'uploads', '--key', 'drops/build.zip', '--body', zip])
    const versionId = put.json.VersionId
    assert.ok(versionId)
    const runs = await settle(server, 'upload', 1)
    assert.equal(runs[0]!.status, 'Succeeded')
    assert.equal(runs[0]!.sourceRevisions?.[0]?.revisionId, versionId)
  })

  it('stop-and-wait lets the running build finish; a disabled transition holds executions until enabled', async () => {
    const repo = await repoWithPushes(server, dir, 'stop-app')
    await repo.push()
    // The build runs until the test releases it (a marker file), so the stop requests always land
    // while it runs, however slowly a busy machine answers them.
    const release = path.join(dir, 'release-stop-build')
    await createPipelineProject(server, 'stop-build', `version: 0.2\nphases:\n  build:\n    commands:\n      - for i in $(seq 1 1200); do test -f ${release} && break; sleep 0.1; done\n`)
    assert.equal((await createPipeline(server, dir, { name: 'stopper', stages: [sourceStage('stop-app'), buildStage('stop-build'), approvalStage()] })).code, 0)
    const client = codePipelineClient(server)
    const building = await waitForState(client, 'stopper', (s) => stageStatus(s, 'Build') === 'InProgress')
    const id = building.stageStates!.find((s) => s.stageName === 'Build')!.latestExecution!.pipelineExecutionId!
    assert.equal((await aws(server, ['codepipeline', 'stop-pipeline-execution', '--pipeline-name', 'stopper', '--pipeline-execution-id', id, '--reason', 'wait for it'])).code, 0)
    assert.equal((await aws(server, ['codepipeline', 'stop-pipeline-execution', '--pipeline-name', 'stopper', '--pipeline-execution-id', id])).errorCode, 'DuplicatedStopRequestException')
    fs.writeFileSync(release, '')
    const stopped = await waitForExecution(client, 'stopper', id)
    assert.equal(stopped.status, 'Stopped')
    const after = await aws(server, ['codepipeline', 'get-pipeline-state', '--name', 'stopper'])
    const build = after.json.stageStates.find((s: { stageName: string }) => s.stageName === 'Build')
    assert.equal(build.actionStates[0].latestExecution.status, 'Succeeded', 'the running build was allowed to finish')
    assert.equal(build.latestExecution.status, 'Stopped')

    assert.equal((await aws(server, ['codepipeline', 'disable-stage-transition', '--pipeline-name', 'stopper', '--stage-name', 'Build', '--transition-type', 'Inbound', '--reason', 'freeze'])).code, 0)
    const commit = await repo.push()
    const held = await waitForState(client, 'stopper', (s) => s.stageStates?.find((x) => x.stageName === 'Build')?.inboundExecution !== undefined)
    const build2 = held.stageStates!.find((x) => x.stageName === 'Build')!
    assert.equal(build2.inboundTransitionState?.enabled, false)
    assert.equal(build2.inboundTransitionState?.disabledReason, 'freeze')
    const heldId = build2.inboundExecution!.pipelineExecutionId!
    assert.equal((await waitForExecution(client, 'stopper', heldId, () => true)).artifactRevisions?.[0]?.revisionId, commit)
    assert.equal((await aws(server, ['codepipeline', 'enable-stage-transition', '--pipeline-name', 'stopper', '--stage-name', 'Build', '--transition-type', 'Inbound'])).code, 0)
    await waitForState(client, 'stopper', (s) => s.stageStates?.find((x) => x.stageName === 'Build')?.latestExecution?.pipelineExecutionId === heldId)
  })
})
