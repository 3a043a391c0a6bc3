import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'

const skip = (await awsCliAvailable()) ? false : `AWS CLI '${AWS}' not installed`

const junit = (failing: number) =>
  `<?xml version="1.0"?><testsuites><testsuite name="math"><testcase classname="math" name="a" time="0.5"/><testcase classname="math" name="b" time="0.25"/>${
    failing > 0 ? '<testcase classname="math" name="c" time="0.25"><failure message="boom">x</failure></testcase>' : '<testcase classname="math" name="c" time="0.25"/>'
  }</testsuite></testsuites>`

/** CodeBuild report groups and source credentials with the AWS CLI (issue 14, item 4). */
describe('CodeBuild report groups and source credentials', { skip }, () => {
  let server: TestServer
  const dir = tempDir('report-groups')

  async function buildWithReport(failing: number): Promise<string> {
    const spec = `version: 0.2\nphases:\n  build:\n    commands:\n      - mkdir -p out && printf '%s' '${junit(failing)}' > out/junit.xml\nreports:\n  unit:\n    files: ['out/junit.xml']\n`
    const updated = await aws(server, ['codebuild', 'update-project', '--name', 'graded', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: spec })])
    assert.equal(updated.code, 0, updated.stderr)
    const id = (await aws(server, ['codebuild', 'start-build', '--project-name', 'graded'])).json.build.id as string
    for (let i = 0; i < 600; i++) {
      const b = (await aws(server, ['codebuild', 'batch-get-builds', '--ids', id])).json.builds[0]
      if (b.buildComplete) return b.reportArns[0] as string
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`build ${id} did not finish`)
  }

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    const created = await aws(server, ['codebuild', 'create-project', '--name', 'graded', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands: [true]\n' }),
      '--artifacts', 'type=NO_ARTIFACTS', '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
  })
  after(() => server?.stop())

  it("a build's first report creates its group; the group lists its reports, and its trend follows them", async () => {
    const failed = await buildWithReport(1)
    const passed = await buildWithReport(0)
    const groupArn = 'arn:aws:codebuild:us-east-1:000000000000:report-group/graded-unit'
    assert.deepEqual((await aws(server, ['codebuild', 'list-report-groups'])).json.reportGroups, [groupArn])
    const got = await aws(server, ['codebuild', 'batch-get-report-groups', '--report-group-arns', groupArn, 'arn:aws:codebuild:us-east-1:000000000000:report-group/nope'])
    assert.equal(got.json.reportGroups[0].name, 'graded-unit')
    assert.equal(got.json.reportGroups[0].type, 'TEST')
    assert.equal(got.json.reportGroups[0].status, 'ACTIVE')
    assert.deepEqual(got.json.reportGroupsNotFound, ['arn:aws:codebuild:us-east-1:000000000000:report-group/nope'])

    assert.deepEqual((await aws(server, ['codebuild', 'list-reports-for-report-group', '--report-group-arn', groupArn])).json.reports, [passed, failed])
    assert.deepEqual((await aws(server, ['codebuild', 'list-reports'])).json.reports, [passed, failed])
    assert.deepEqual((await aws(server, ['codebuild', 'list-reports', '--filter', 'status=FAILED'])).json.reports, [failed])

    const rate = (await aws(server, ['codebuild', 'get-report-group-trend', '--report-group-arn', groupArn, '--trend-field', 'PASS_RATE'])).json
    assert.deepEqual(rate.rawData, [{ reportArn: passed, data: '100' }, { reportArn: failed, data: '66.67' }])
    assert.deepEqual(rate.stats, { average: '83.33', max: '100', min: '66.67' })
    const duration = (await aws(server, ['codebuild', 'get-report-group-trend', '--report-group-arn', groupArn, '--trend-field', 'DURATION', '--num-of-reports', '1'])).json
    assert.deepEqual(duration.rawData, [{ reportArn: passed, data: '1000000000' }])
    const coverage = await aws(server, ['codebuild', 'get-report-group-trend', '--report-group-arn', groupArn, '--trend-field', 'LINE_COVERAGE'])
    assert.equal(coverage.errorCode, 'InvalidInputException')

    // A group with reports is deleted only with them.
    const kept = await aws(server, ['codebuild', 'delete-report-group', '--arn', groupArn])
    assert.equal(kept.errorCode, 'InvalidInputException')
    assert.match(kept.stderr, /still has 2 report/)
    assert.equal((await aws(server, ['codebuild', 'delete-report-group', '--arn', groupArn, '--delete-reports'])).code, 0)
    assert.deepEqual((await aws(server, ['codebuild', 'list-report-groups'])).json.reportGroups, [])
    assert.deepEqual((await aws(server, ['codebuild', 'batch-get-reports', '--report-arns', passed])).json.reportsNotFound, [passed])
  })

  it('creates, updates and refuses report groups as CodeBuild does', async () => {
    const created = await aws(server, ['codebuild', 'create-report-group', '--name', 'coverage', '--type', 'CODE_COVERAGE', '--export-config', 'exportConfigType=NO_EXPORT', '--tags', 'key=team,value=web'])
    assert.equal(created.code, 0, created.stderr)
    const arn = created.json.reportGroup.arn as string
    assert.equal(arn, 'arn:aws:codebuild:us-east-1:000000000000:report-group/coverage')
    assert.equal((await aws(server, ['codebuild', 'create-report-group', '--name', 'coverage', '--type', 'TEST', '--export-config', 'exportConfigType=NO_EXPORT'])).errorCode, 'ResourceAlreadyExistsException')
    assert.equal((await aws(server, ['codebuild', 'create-report-group', '--name', 'bad name!', '--type', 'TEST', '--export-config', 'exportConfigType=NO_EXPORT'])).errorCode, 'InvalidInputException')
    const updated = await aws(server, ['codebuild', 'update-report-group', '--arn', arn, '--tags', 'key=team,value=platform'])
    assert.deepEqual(updated.json.reportGroup.tags, [{ key: 'team', value: 'platform' }])
    assert.equal((await aws(server, ['codebuild', 'update-report-group', '--arn', `${arn}-missing`])).errorCode, 'ResourceNotFoundException')
    assert.deepEqual((await aws(server, ['codebuild', 'get-report-group-trend', '--report-group-arn', arn, '--trend-field', 'LINE_COVERAGE'])).json.rawData, [])
    assert.equal((await aws(server, ['codebuild', 'delete-report-group', '--arn', arn])).code, 0)
  })

  it('imports, lists and deletes source credentials, keeping the token sealed', async () => {
    const token = 'ghp_SlipwayTestToken0123456789abcdef'
    const imported = await aws(server, ['codebuild', 'import-source-credentials', '--server-type', 'GITHUB', '--auth-type', 'PERSONAL_ACCESS_TOKEN', '--token', token])
    assert.equal(imported.code, 0, imported.stderr)
    assert.equal(imported.json.arn, 'arn:aws:codebuild:us-east-1:000000000000:token/github')
    assert.equal((await aws(server, ['codebuild', 'import-source-credentials', '--server-type', 'GITHUB', '--auth-type', 'PERSONAL_ACCESS_TOKEN', '--token', 'other', '--no-should-overwrite'])).errorCode, 'ResourceAlreadyExistsException')
    assert.equal((await aws(server, ['codebuild', 'import-source-credentials', '--server-type', 'BITBUCKET', '--auth-type', 'BASIC_AUTH', '--token', 'app-password'])).errorCode, 'InvalidInputException')
    assert.equal((await aws(server, ['codebuild', 'import-source-credentials', '--server-type', 'BITBUCKET', '--auth-type', 'BASIC_AUTH', '--token', 'app-password', '--username', 'me'])).code, 0)
    const listed = await aws(server, ['codebuild', 'list-source-credentials'])
    assert.deepEqual(listed.json.sourceCredentialsInfos, [
      { arn: 'arn:aws:codebuild:us-east-1:000000000000:token/bitbucket', serverType: 'BITBUCKET', authType: 'BASIC_AUTH' },
      { arn: 'arn:aws:codebuild:us-east-1:000000000000:token/github', serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN' },
    ])
    assert.ok(!listed.stdout.includes(token))
    for (const f of fs.readdirSync(server.dataDir).filter((f) => f.startsWith('slipway.db'))) {
      assert.ok(!fs.readFileSync(path.join(server.dataDir, f)).includes(token), `${f} does not hold the token in plain text`)
    }
    assert.equal((await aws(server, ['codebuild', 'delete-source-credentials', '--arn', imported.json.arn])).json.arn, imported.json.arn)
    assert.equal((await aws(server, ['codebuild', 'delete-source-credentials', '--arn', imported.json.arn])).errorCode, 'ResourceNotFoundException')
    void dir
  })
})
