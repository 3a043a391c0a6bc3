import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ListActionExecutionsCommand, ListPipelineExecutionsCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { basicUrl, gitOk, makeWorkTree } from '../helpers/git.ts'
import { codePipelineClient, stageStatus, waitForExecution, waitForState } from '../helpers/codepipeline.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())

const BUILDSPEC = `version: 0.2
env:
  exported-variables: [APP_VERSION]
phases:
  build:
    commands:
      - export APP_VERSION="1.0.$CODEBUILD_BUILD_NUMBER"
      - mkdir -p dist && cp app.sh dist/ && echo "$APP_VERSION $COMMIT" > dist/version.txt
artifacts:
  files: ['**/*']
  base-directory: dist
`

function seedPipeline(name: string, bucket: string) {
  return {
    pipeline: {
      name,
      roleArn: 'arn:aws:iam::000000000000:role/CodePipelineServiceRole',
      artifactStore: { type: 'S3', location: bucket },
      pipelineType: 'V2',
      stages: [
        { name: 'Source', actions: [{ name: 'Source', namespace: 'SourceVariables', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
          configuration: { RepositoryName: 'seed-app', BranchName: 'main', PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'SourceArtifact' }] }] },
        { name: 'Build', actions: [{ name: 'Build', namespace: 'BuildVariables', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
          configuration: { ProjectName: 'seed-build', EnvironmentVariables: '[{"name":"COMMIT","value":"#{SourceVariables.CommitId}","type":"PLAINTEXT"}]' },
          inputArtifacts: [{ name: 'SourceArtifact' }], outputArtifacts: [{ name: 'BuildArtifact' }] }] },
        { name: 'Approve', actions: [{ name: 'Approval', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
          configuration: { CustomData: 'Ship #{BuildVariables.APP_VERSION}?' } }] },
        { name: 'Release', actions: [{ name: 'Release', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
          commands: ['cat version.txt', 'test -x app.sh && ./app.sh', 'export RELEASED="$(cat version.txt)"', 'export BUILT_AS="#{BuildVariables.APP_VERSION}"'], outputVariables: ['RELEASED', 'BUILT_AS'],
          inputArtifacts: [{ name: 'BuildArtifact' }] }] },
      ],
    },
  }
}

describe('CodePipeline: the seed pipeline, run by a git push', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  const work = tempDir('pipeline')
  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    await aws(server, ['codecommit', 'create-repository', '--repository-name', 'seed-app'])
    const created = await aws(server, ['codebuild', 'create-project', '--name', 'seed-build', '--source', 'type=CODEPIPELINE', '--artifacts', 'type=CODEPIPELINE',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
  })
  after(async () => {
    if (process.env.SLIPWAY_TEST_DEBUG) console.log(server?.output())
    await server?.stop()
  })

  it('creates the pipeline from JSON, runs it on git push through build, approval and release', async () => {
    const file = path.join(work, 'pipeline.json')
    fs.writeFileSync(file, JSON.stringify(seedPipeline('seed', 'pipeline-artifacts')))
    const created = await aws(server, ['codepipeline', 'create-pipeline', '--cli-input-json', `file://${file}`])
    assert.equal(created.code, 0, created.stderr)
    assert.equal(created.json.pipeline.version, 1)
    const client = codePipelineClient(server)
    // The creation run fails at Source: the repository is still empty.
    await waitForState(client, 'seed', (s) => stageStatus(s, 'Source') === 'Failed')

    const dir = path.join(work, 'app')
    const commit = await makeWorkTree(dir, { 'buildspec.yml': BUILDSPEC, 'app.sh': '#!/bin/sh\necho app runs\n' }, 'add app')
    fs.chmodSync(path.join(dir, 'app.sh'), 0o755)
    await gitOk(dir, ['add', '-A'])
    await gitOk(dir, ['commit', '-q', '--amend', '--no-edit'])
    const head = (await gitOk(dir, ['rev-parse', 'HEAD'])).trim()
    assert.notEqual(head, commit)
    await gitOk(dir, ['push', '-q', basicUrl(server.url, 'seed-app', server.accessKeyId, server.secretAccessKey), 'main'])

    const waiting = await waitForState(client, 'seed', (s) => s.stageStates?.find((x) => x.stageName === 'Approve')?.actionStates?.[0]?.latestExecution?.status === 'InProgress')
    assert.equal(stageStatus(waiting, 'Source'), 'Succeeded')
    assert.equal(stageStatus(waiting, 'Build'), 'Succeeded')
    const execId = waiting.stageStates!.find((x) => x.stageName === 'Approve')!.latestExecution!.pipelineExecutionId!
    const exec = await waitForExecution(client, 'seed', execId, () => true)
    assert.equal(exec.trigger?.triggerType, 'CloudWatchEvent')
    assert.equal(exec.artifactRevisions?.[0]?.revisionId, head)

    const state = await aws(server, ['codepipeline', 'get-pipeline-state', '--name', 'seed'])
    const token = state.json.stageStates.find((s: { stageName: string }) => s.stageName === 'Approve').actionStates[0].latestExecution.token
    assert.ok(token)
    const approved = await aws(server, ['codepipeline', 'put-approval-result', '--pipeline-name', 'seed', '--stage-name', 'Approve', '--action-name', 'Approval', '--result', 'summary=ship it,status=Approved', '--token', token])
    assert.equal(approved.code, 0, approved.stderr)
    assert.equal((await aws(server, ['codepipeline', 'put-approval-result', '--pipeline-name', 'seed', '--stage-name', 'Approve', '--action-name', 'Approval', '--result', 'summary=again,status=Approved', '--token', token])).errorCode, 'InvalidApprovalTokenException')

    const done = await waitForExecution(client, 'seed', execId)
    assert.equal(done.status, 'Succeeded', done.statusSummary)
    const listed = await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'seed'])
    const summary = listed.json.pipelineExecutionSummaries.find((x: { pipelineExecutionId: string }) => x.pipelineExecutionId === execId)
    assert.equal(summary.status, 'Succeeded')
    assert.equal(summary.sourceRevisions[0].revisionId, head)
    assert.equal(summary.trigger.triggerType, 'CloudWatchEvent')

    const actions = (await client.send(new ListActionExecutionsCommand({ pipelineName: 'seed', filter: { pipelineExecutionId: execId } }))).actionExecutionDetails!
    const build = actions.find((a) => a.actionName === 'Build')!
    assert.equal(build.input?.resolvedConfiguration?.EnvironmentVariables, `[{"name":"COMMIT","value":"${head}","type":"PLAINTEXT"}]`)
    assert.match(build.output?.outputVariables?.APP_VERSION ?? '', /^1\.0\.\d+$/)
    const approval = actions.find((a) => a.actionName === 'Approval')!
    assert.equal(approval.input?.resolvedConfiguration?.CustomData, `Ship ${build.output?.outputVariables?.APP_VERSION}?`)
    const release = actions.find((a) => a.actionName === 'Release')!
    assert.equal(release.output?.outputVariables?.RELEASED, `${build.output?.outputVariables?.APP_VERSION} ${head}`)
    assert.equal(release.output?.outputVariables?.BUILT_AS, build.output?.outputVariables?.APP_VERSION, 'variables resolve inside Commands commands')

    // The build artifact is a zip in the artifact store, readable with aws s3 cp.
    const loc = build.output!.outputArtifacts![0]!.s3location!
    const zip = path.join(work, 'build.zip')
    assert.equal((await aws(server, ['s3', 'cp', `s3://${loc.bucket}/${loc.key}`, zip])).code, 0)
    const names = await run('python3', ['-c', 'import sys,zipfile; print(" ".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))', zip])
    assert.equal(names.stdout.trim(), 'app.sh version.txt')
    // The build shows its pipeline as initiator.
    const builds = await aws(server, ['codebuild', 'batch-get-builds', '--ids', build.output!.executionResult!.externalExecutionId!])
    assert.equal(builds.json.builds[0].initiator, 'codepipeline/seed')
  })

  it('runs an arbitrary commit through StartPipelineExecution sourceRevisions', async () => {
    const client = codePipelineClient(server)
    const first = (await aws(server, ['codecommit', 'get-branch', '--repository-name', 'seed-app', '--branch-name', 'main'])).json.branch.commitId
    const started = await client.send(new StartPipelineExecutionCommand({ name: 'seed', sourceRevisions: [{ actionName: 'Source', revisionType: 'COMMIT_ID', revisionValue: first }] }))
    const e = await waitForExecution(client, 'seed', started.pipelineExecutionId!, (x) => (x.artifactRevisions?.length ?? 0) > 0)
    assert.equal(e.artifactRevisions?.[0]?.revisionId, first)
    assert.equal(e.trigger?.triggerType, 'StartPipelineExecution')
    await aws(server, ['codepipeline', 'stop-pipeline-execution', '--pipeline-name', 'seed', '--pipeline-execution-id', started.pipelineExecutionId!, '--abandon', '--reason', 'test'])
    const stopped = await waitForExecution(client, 'seed', started.pipelineExecutionId!)
    assert.equal(stopped.status, 'Stopped')
    const summaries = (await client.send(new ListPipelineExecutionsCommand({ pipelineName: 'seed' }))).pipelineExecutionSummaries!
    assert.equal(summaries.find((s) => s.pipelineExecutionId === started.pipelineExecutionId)?.stopTrigger?.reason, 'test')
  })

  it('refuses bad definitions with InvalidStructureException naming the problem, storing nothing', async () => {
    const bad = seedPipeline('bad', 'pipeline-artifacts')
    type Doc = { stages: { actions: Record<string, unknown>[] }[] }
    const cases: [string, (p: Doc) => void, RegExp][] = [
      ['source in stage 2', (p) => p.stages[1]!.actions.push({ ...p.stages[0]!.actions[0]!, name: 'Src2', outputArtifacts: [{ name: 'Other' }] }), /source/i],
      ['missing provider config', (p) => (p.stages[1]!.actions[0]!.configuration = {}), /ProjectName/],
      ['input never produced', (p) => (p.stages[1]!.actions[0]!.inputArtifacts = [{ name: 'Nowhere' }]), /Nowhere/],
    ]
    for (const [what, mutate, pattern] of cases) {
      const doc = structuredClone(bad) as { pipeline: { stages: { actions: Record<string, unknown>[] }[] } }
      mutate(doc.pipeline as never)
      const file = path.join(work, `bad-${what.replaceAll(' ', '-')}.json`)
      fs.writeFileSync(file, JSON.stringify(doc))
      const r = await aws(server, ['codepipeline', 'create-pipeline', '--cli-input-json', `file://${file}`])
      assert.ok(['InvalidStructureException', 'InvalidActionDeclarationException'].includes(r.errorCode ?? ''), `${what}: ${r.stderr}`)
      assert.match(r.stderr, pattern, what)
    }
    assert.equal((await aws(server, ['codepipeline', 'get-pipeline', '--name', 'bad'])).errorCode, 'PipelineNotFoundException')
    const dup = path.join(work, 'dup.json')
    fs.writeFileSync(dup, JSON.stringify(seedPipeline('seed', 'pipeline-artifacts')))
    assert.equal((await aws(server, ['codepipeline', 'create-pipeline', '--cli-input-json', `file://${dup}`])).errorCode, 'PipelineNameInUseException')
  })
})
