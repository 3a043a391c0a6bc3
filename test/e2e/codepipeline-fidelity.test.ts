import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { approvalStage, createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { codePipelineClient, waitForExecution } from '../helpers/codepipeline.ts'

/** CodePipeline's responses as AWS writes them, with the AWS CLI (issue 14, item 3). */
describe('CodePipeline responses as AWS writes them', () => {
  let server: TestServer
  const dir = tempDir('cp-fidelity')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
  })
  after(async () => {
    await server?.stop()
  })

  it('fills in AWS\'s defaults (runOrder, artifact lists, configuration, version, pipelineType, executionMode) and names revisions by artifact', async () => {
    await (await repoWithPushes(server, dir, 'defaults-app')).push()
    const created = await createPipeline(server, dir, { name: 'defaults', stages: [sourceStage('defaults-app'), approvalStage()] })
    assert.equal(created.code, 0, created.stderr)
    for (const res of [created, await aws(server, ['codepipeline', 'get-pipeline', '--name', 'defaults'])]) {
      const p = res.json.pipeline
      assert.equal(p.version, 1)
      assert.equal(p.pipelineType, 'V1')
      assert.equal(p.executionMode, 'SUPERSEDED')
      for (const stage of p.stages) {
        for (const a of stage.actions) {
          assert.equal(a.runOrder, 1, `${a.name}.runOrder`)
          assert.ok(Array.isArray(a.inputArtifacts) && Array.isArray(a.outputArtifacts), `${a.name} artifact lists`)
          assert.equal(typeof a.configuration, 'object', `${a.name}.configuration`)
        }
      }
      assert.deepEqual(p.stages[1].actions[0].configuration, {}, 'an approval declared without configuration')
    }
    const client = codePipelineClient(server)
    const first = (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'defaults'])).json.pipelineExecutionSummaries[0].pipelineExecutionId
    await waitForExecution(client, 'defaults', first, (e) => (e.artifactRevisions?.length ?? 0) > 0)
    client.destroy()
    const execution = await aws(server, ['codepipeline', 'get-pipeline-execution', '--pipeline-name', 'defaults', '--pipeline-execution-id', first])
    assert.equal(execution.json.pipelineExecution.artifactRevisions[0].name, 'SourceArtifact', 'named by the output artifact, not the action')
  })

  it('answers tag operations and UpdatePipeline on a missing pipeline with ResourceNotFoundException, and refuses aws: keys and more than 50 tags', async () => {
    const arn = 'arn:aws:codepipeline:us-east-1:000000000000:nope'
    assert.equal((await aws(server, ['codepipeline', 'tag-resource', '--resource-arn', arn, '--tags', 'key=a,value=b'])).errorCode, 'ResourceNotFoundException')
    assert.equal((await aws(server, ['codepipeline', 'list-tags-for-resource', '--resource-arn', arn])).errorCode, 'ResourceNotFoundException')
    assert.equal((await aws(server, ['codepipeline', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'a'])).errorCode, 'ResourceNotFoundException')
    const got = await aws(server, ['codepipeline', 'get-pipeline', '--name', 'defaults'])
    const missing = { ...got.json.pipeline, name: 'never-created' }
    delete missing.version
    const update = await aws(server, ['codepipeline', 'update-pipeline', '--pipeline', JSON.stringify(missing)])
    assert.equal(update.errorCode, 'ResourceNotFoundException', update.stderr)

    const real = 'arn:aws:codepipeline:us-east-1:000000000000:defaults'
    const reserved = await aws(server, ['codepipeline', 'tag-resource', '--resource-arn', real, '--tags', 'key=aws:owner,value=me'])
    assert.equal(reserved.errorCode, 'InvalidTagsException', reserved.stderr)
    const many = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }))
    const tooMany = await aws(server, ['codepipeline', 'tag-resource', '--resource-arn', real, '--tags', JSON.stringify(many)])
    assert.equal(tooMany.errorCode, 'TooManyTagsException', tooMany.stderr)
    assert.equal((await aws(server, ['codepipeline', 'tag-resource', '--resource-arn', real, '--tags', 'key=team,value=web'])).code, 0)
    assert.deepEqual((await aws(server, ['codepipeline', 'list-tags-for-resource', '--resource-arn', real])).json.tags, [{ key: 'team', value: 'web' }])
  })
})
