import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { ListPipelineExecutionsCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { codePipelineClient, stageStatus, waitForExecution, waitForState } from '../helpers/codepipeline.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'
import { approvalStage, buildStage, createPipeline, createPipelineProject, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'

const cliMissing = !(await awsCliAvailable())
const ENV = { SLIPWAY_BUILD_LEASE_MS: '2000' }

/** SIGKILLs the server process itself (not its launcher) and restarts on the same data dir. */
async function crashAndRestart(server: TestServer): Promise<TestServer> {
  const pid = (JSON.parse(fs.readFileSync(path.join(server.dataDir, 'server.json'), 'utf8')) as { pid: number }).pid
  process.kill(pid, 'SIGKILL')
  await server.stop()
  return startTestServer({ dataDir: server.dataDir, extraArgs: ['--executor', 'host'], env: ENV })
}

async function buildsOf(server: TestServer, project: string): Promise<string[]> {
  return (await aws(server, ['codebuild', 'list-builds-for-project', '--project-name', project])).json.ids
}

describe('pipelines survive kill -9 of the server', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  it('after a restart, the first source artifact is complete and the build that unzips it succeeds', async () => {
    // Regression: the source's `git archive` output was read only once the bucket's state had loaded,
    // which after a start came too late: the zip was stored empty and the build failed to unzip it.
    const dir = tempDir('restart-source')
    let server = await startTestServer({ extraArgs: ['--executor', 'host'], env: ENV })
    try {
      await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
      const repo = await repoWithPushes(server, dir, 'app')
      await repo.push()
      await createPipelineProject(server, 'lists', 'version: 0.2\nphases:\n  build:\n    commands:\n      - cat README.md\n')
      await createPipeline(server, dir, { name: 'p', stages: [sourceStage('app'), buildStage('lists')] })
      const client = codePipelineClient(server)
      const first = (await client.send(new ListPipelineExecutionsCommand({ pipelineName: 'p' }))).pipelineExecutionSummaries![0]!.pipelineExecutionId!
      assert.equal((await waitForExecution(client, 'p', first)).status, 'Succeeded')
      await server.stop()
      server = await startTestServer({ dataDir: server.dataDir, extraArgs: ['--executor', 'host'], env: ENV })
      const again = codePipelineClient(server)
      const { pipelineExecutionId } = await again.send(new StartPipelineExecutionCommand({ name: 'p' }))
      const done = await waitForExecution(again, 'p', pipelineExecutionId!)
      assert.equal(done.status, 'Succeeded', done.statusSummary)
    } finally {
      await server.stop()
    }
  })

  it('during a build: the build fails after its lease, the execution ends Failed, nothing is stuck', async () => {
    const dir = tempDir('crash-build')
    let server = await startTestServer({ extraArgs: ['--executor', 'host'], env: ENV })
    try {
      await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
      const repo = await repoWithPushes(server, dir, 'app')
      await createPipelineProject(server, 'long', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 41\n')
      await createPipeline(server, dir, { name: 'p', stages: [sourceStage('app'), buildStage('long')] })
      await repo.push()
      const running = await waitForState(codePipelineClient(server), 'p', (s) => s.stageStates?.find((x) => x.stageName === 'Build')?.actionStates?.[0]?.latestExecution?.externalExecutionId !== undefined)
      const id = running.stageStates!.find((x) => x.stageName === 'Build')!.latestExecution!.pipelineExecutionId!
      // Crash while the build's commands run (a build claimed but not yet started would go to another runner).
      const buildId = running.stageStates!.find((x) => x.stageName === 'Build')!.actionStates![0]!.latestExecution!.externalExecutionId!
      await waitForBuild(codeBuildClient(server), buildId, { until: (b) => b.currentPhase === 'BUILD' })
      server = await crashAndRestart(server)
      const done = await waitForExecution(codePipelineClient(server), 'p', id, undefined, 20_000)
      assert.equal(done.status, 'Failed')
      assert.equal((await buildsOf(server, 'long')).length, 1, 'the build was not started twice')
    } finally {
      await server.stop()
    }
  })

  it('during an approval: the same token approves after the restart and the execution goes on', async () => {
    const dir = tempDir('crash-approval')
    let server = await startTestServer({ extraArgs: ['--executor', 'host'], env: ENV })
    try {
      await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
      const repo = await repoWithPushes(server, dir, 'app')
      await createPipelineProject(server, 'after', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo after approval\n')
      await createPipeline(server, dir, { name: 'p', stages: [sourceStage('app'), approvalStage(), buildStage('after')] })
      await repo.push()
      const waiting = await waitForState(codePipelineClient(server), 'p', (s) => s.stageStates?.find((x) => x.stageName === 'Approve')?.actionStates?.[0]?.latestExecution?.status === 'InProgress')
      const approve = waiting.stageStates!.find((x) => x.stageName === 'Approve')!
      const token = approve.actionStates![0]!.latestExecution!.token!
      const id = approve.latestExecution!.pipelineExecutionId!
      server = await crashAndRestart(server)
      const ok = await aws(server, ['codepipeline', 'put-approval-result', '--pipeline-name', 'p', '--stage-name', 'Approve', '--action-name', 'Approval', '--result', 'summary=ok,status=Approved', '--token', token])
      assert.equal(ok.code, 0, ok.stderr)
      const done = await waitForExecution(codePipelineClient(server), 'p', id)
      assert.equal(done.status, 'Succeeded', done.statusSummary)
      assert.equal((await buildsOf(server, 'after')).length, 1)
    } finally {
      await server.stop()
    }
  })

  it('between stages: an execution waiting at a disabled transition continues after the restart, without re-running its source', async () => {
    const dir = tempDir('crash-between')
    let server = await startTestServer({ extraArgs: ['--executor', 'host'], env: ENV })
    try {
      await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
      const repo = await repoWithPushes(server, dir, 'app')
      await createPipelineProject(server, 'next', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo next\n')
      await createPipeline(server, dir, { name: 'p', stages: [sourceStage('app'), buildStage('next')] })
      await aws(server, ['codepipeline', 'disable-stage-transition', '--pipeline-name', 'p', '--stage-name', 'Build', '--transition-type', 'Inbound', '--reason', 'hold'])
      await repo.push()
      const held = await waitForState(codePipelineClient(server), 'p', (s) => s.stageStates?.find((x) => x.stageName === 'Build')?.inboundExecution !== undefined)
      const id = held.stageStates!.find((x) => x.stageName === 'Build')!.inboundExecution!.pipelineExecutionId!
      const sourceRun = held.stageStates!.find((x) => x.stageName === 'Source')!.actionStates![0]!.latestExecution!.actionExecutionId
      server = await crashAndRestart(server)
      await aws(server, ['codepipeline', 'enable-stage-transition', '--pipeline-name', 'p', '--stage-name', 'Build', '--transition-type', 'Inbound'])
      const done = await waitForExecution(codePipelineClient(server), 'p', id)
      assert.equal(done.status, 'Succeeded', done.statusSummary)
      const after = await waitForState(codePipelineClient(server), 'p', (s) => stageStatus(s, 'Build') === 'Succeeded')
      assert.equal(after.stageStates!.find((x) => x.stageName === 'Source')!.actionStates![0]!.latestExecution!.actionExecutionId, sourceRun)
    } finally {
      await server.stop()
    }
  })
})
