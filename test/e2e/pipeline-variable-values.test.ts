import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { basicUrl, gitOk, makeWorkTree } from '../helpers/git.ts'
import { codePipelineClient, waitForExecution } from '../helpers/codepipeline.ts'
import { createPipeline, sourceStage } from '../helpers/pipeline-fixtures.ts'

/** A message as the git CLI writes it (ending in a newline), with quotes that try to add a build variable. */
const MESSAGE = 'fix: "quoted" thing\n\nbody","type":"PLAINTEXT"},{"name":"AWS_ENDPOINT_URL","value":"http://evil.invalid\n'

/**
 * Pipeline variables inside JSON-valued action configuration (CodeBuild's EnvironmentVariables) are
 * resolved inside the parsed JSON, not pasted into its text (issue 15, item 2).
 */
describe('pipeline variables in JSON configuration values', () => {
  let server: TestServer
  const dir = tempDir('variable-values')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
  })
  after(async () => {
    await server?.stop()
  })

  it('a multi-line, quote-laden commit message arrives intact as one variable and adds none', async () => {
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'msgs'])).code, 0)
    const buildspec = [
      'version: 0.2',
      'env:',
      '  exported-variables: [MSG_SHA, ENDPOINT]',
      'phases:',
      '  build:',
      '    commands:',
      `      - MSG_SHA=$(printf '%s' "$MSG" | sha256sum | cut -c1-64)`,
      '      - ENDPOINT="$AWS_ENDPOINT_URL"',
    ].join('\n')
    const project = await aws(server, ['codebuild', 'create-project', '--name', 'echo-msg', '--source', JSON.stringify({ type: 'CODEPIPELINE', buildspec }), '--artifacts', 'type=CODEPIPELINE',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(project.code, 0, project.stderr)
    const work = path.join(dir, 'msgs')
    await makeWorkTree(work, { 'README.md': 'msgs\n' })
    const url = basicUrl(server.url, 'msgs', server.accessKeyId, server.secretAccessKey)
    await gitOk(work, ['push', '-q', url, 'HEAD:main'])
    const created = await createPipeline(server, dir, {
      name: 'msgs',
      stages: [
        sourceStage('msgs'),
        { name: 'Build', actions: [{ name: 'Build', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, inputArtifacts: [{ name: 'SourceArtifact' }],
          configuration: { ProjectName: 'echo-msg', EnvironmentVariables: '[{"name":"MSG","value":"#{SourceVariables.CommitMessage}","type":"PLAINTEXT"}]' } }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)

    fs.writeFileSync(path.join(work, 'change.txt'), 'change\n')
    fs.writeFileSync(path.join(dir, 'message.txt'), MESSAGE)
    await gitOk(work, ['add', '-A'])
    await gitOk(work, ['commit', '-q', '--cleanup=verbatim', '-F', path.join(dir, 'message.txt')])
    const commit = (await gitOk(work, ['rev-parse', 'HEAD'])).trim()
    await gitOk(work, ['push', '-q', url, 'HEAD:main'])

    const client = codePipelineClient(server)
    const deadline = Date.now() + 60_000
    let executionId: string | undefined
    while (!executionId && Date.now() < deadline) {
      const list = (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'msgs'])).json.pipelineExecutionSummaries as { pipelineExecutionId: string; sourceRevisions?: { revisionId: string }[] }[]
      executionId = list.find((e) => e.sourceRevisions?.some((r) => r.revisionId === commit))?.pipelineExecutionId
      if (!executionId) await new Promise((r) => setTimeout(r, 200))
    }
    assert.ok(executionId, 'the push started an execution')
    const done = await waitForExecution(client, 'msgs', executionId, undefined, 60_000)
    assert.equal(done.status, 'Succeeded', done.statusSummary)
    const actions = (await client.send(new ListActionExecutionsCommand({ pipelineName: 'msgs', filter: { pipelineExecutionId: executionId } }))).actionExecutionDetails!
    client.destroy()
    const source = actions.find((a) => a.actionName === 'Source')!
    const build = actions.find((a) => a.actionName === 'Build')!
    const message = source.output!.outputVariables!.CommitMessage!
    assert.match(message, /"quoted" thing\n\nbody","type"/, 'the source action saw the whole message')
    assert.equal(build.output?.outputVariables?.MSG_SHA, createHash('sha256').update(message).digest('hex'), 'the build got it byte for byte')
    assert.equal(build.output?.outputVariables?.ENDPOINT, server.url, 'the message added no variable')
    assert.deepEqual(JSON.parse(build.input!.resolvedConfiguration!.EnvironmentVariables!), [{ name: 'MSG', value: message, type: 'PLAINTEXT' }])
  })
})
