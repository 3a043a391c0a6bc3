import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { approvalStage, createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'

const skip = (await awsCliAvailable()) ? false : `AWS CLI '${AWS}' not installed`

/** CodePipeline webhooks with the AWS CLI, called as GitHub calls them (issue 14, item 3). */
describe('CodePipeline webhooks', { skip }, () => {
  let server: TestServer
  const dir = tempDir('cp-webhooks')
  const SECRET = 'shhh-a-webhook-secret'

  const definition = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    targetPipeline: 'hooked',
    targetAction: 'Source',
    filters: [{ jsonPath: '$.ref', matchEquals: 'refs/heads/{BranchName}' }],
    authentication: 'GITHUB_HMAC',
    authenticationConfiguration: { SecretToken: SECRET },
    ...extra,
  })
  const put = (webhook: Record<string, unknown>, extra: string[] = []) => aws(server, ['codepipeline', 'put-webhook', '--webhook', JSON.stringify(webhook), ...extra])
  const webhookExecutions = async () =>
    ((await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'hooked'])).json.pipelineExecutionSummaries as { pipelineExecutionId: string; trigger: { triggerType: string; triggerDetail: string } }[])
      .filter((e) => e.trigger.triggerType === 'Webhook')
  const call = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) })
  const signed = (payload: unknown, secret = SECRET) => `sha256=${crypto.createHmac('sha256', secret).update(JSON.stringify(payload)).digest('hex')}`

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    await (await repoWithPushes(server, dir, 'hooked-app')).push()
    const created = await createPipeline(server, dir, { name: 'hooked', stages: [sourceStage('hooked-app'), approvalStage()] })
    assert.equal(created.code, 0, created.stderr)
  })
  after(async () => {
    await server?.stop()
  })

  it('GITHUB_HMAC: a signed push to the watched branch starts the pipeline once; other branches, bad signatures and redeliveries start nothing', async () => {
    const created = await put(definition('github-push'), ['--tags', 'key=team,value=web'])
    assert.equal(created.code, 0, created.stderr)
    const { url, arn, definition: echoed, tags } = created.json.webhook
    assert.match(url, new RegExp(`^${server.url}/webhooks/trigger\\?t=[0-9a-f]{48}&v=1$`))
    assert.equal(arn, 'arn:aws:codepipeline:us-east-1:000000000000:webhook:github-push')
    assert.deepEqual(echoed, definition('github-push'))
    assert.deepEqual(tags, [{ key: 'team', value: 'web' }])

    const payload = { ref: 'refs/heads/main', repository: { name: 'hooked-app' }, head_commit: { message: 'line one\n"quoted"' } }
    const started = await call(url, payload, { 'x-hub-signature-256': signed(payload), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' })
    assert.equal(started.status, 200)
    const { pipelineExecutionId } = (await started.json()) as { pipelineExecutionId: string }
    assert.ok(pipelineExecutionId)
    const runs = await webhookExecutions()
    assert.deepEqual(runs.map((e) => [e.pipelineExecutionId, e.trigger.triggerDetail]), [[pipelineExecutionId, arn]])

    // GitHub redelivers with the same delivery id: the same execution, not a second one.
    const again = await call(url, payload, { 'x-hub-signature-256': signed(payload), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' })
    assert.equal(((await again.json()) as { pipelineExecutionId: string }).pipelineExecutionId, pipelineExecutionId)

    const other = { ref: 'refs/heads/feature' }
    const ignored = await call(url, other, { 'x-hub-signature-256': signed(other) })
    assert.equal(ignored.status, 200)
    assert.match(((await ignored.json()) as { message: string }).message, /No execution started: the filter \$\.ref = refs\/heads\/\{BranchName\} does not match/)
    const forged = await call(url, payload, { 'x-hub-signature-256': signed(payload, 'not-the-secret') })
    assert.equal(forged.status, 401)
    const unsigned = await call(url, payload)
    assert.equal(unsigned.status, 401)
    // The older SHA-1 header is accepted too.
    const sha1 = await call(url, payload, { 'x-hub-signature': `sha1=${crypto.createHmac('sha1', SECRET).update(JSON.stringify(payload)).digest('hex')}` })
    assert.equal(sha1.status, 200)
    assert.equal((await webhookExecutions()).length, 2)

    const listed = await aws(server, ['codepipeline', 'list-webhooks'])
    const item = listed.json.webhooks.find((w: { definition: { name: string } }) => w.definition.name === 'github-push')
    assert.equal(item.url, url)
    assert.ok(item.lastTriggered, 'lastTriggered is set once the webhook started the pipeline')

    // Tags by ARN, as for pipelines.
    assert.equal((await aws(server, ['codepipeline', 'tag-resource', '--resource-arn', arn, '--tags', 'key=env,value=prod'])).code, 0)
    assert.equal((await aws(server, ['codepipeline', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'team'])).code, 0)
    assert.deepEqual((await aws(server, ['codepipeline', 'list-tags-for-resource', '--resource-arn', arn])).json.tags, [{ key: 'env', value: 'prod' }])
    assert.equal((await aws(server, ['codepipeline', 'list-tags-for-resource', '--resource-arn', `${arn}-gone`])).errorCode, 'ResourceNotFoundException')

    // A changed definition keeps its URL.
    const changed = await put(definition('github-push', { filters: [{ jsonPath: '$.repository.name', matchEquals: 'hooked-app' }] }))
    assert.equal(changed.json.webhook.url, url)
  })

  it('IP and UNAUTHENTICATED: a caller inside the range starts it, one outside is refused; no authentication starts it for anyone', async () => {
    const inside = (await put(definition('loopback-only', { authentication: 'IP', authenticationConfiguration: { AllowedIPRange: '127.0.0.0/8' } }))).json.webhook.url
    const outside = (await put(definition('elsewhere-only', { authentication: 'IP', authenticationConfiguration: { AllowedIPRange: '10.20.0.0/16' } }))).json.webhook.url
    const open = (await put(definition('open', { authentication: 'UNAUTHENTICATED', authenticationConfiguration: {} }))).json.webhook.url
    const before = (await webhookExecutions()).length
    assert.equal((await call(inside, { ref: 'refs/heads/main' })).status, 200)
    const refused = await call(outside, { ref: 'refs/heads/main' })
    assert.equal(refused.status, 401)
    assert.match(((await refused.json()) as { message: string }).message, /not in 10\.20\.0\.0\/16/)
    assert.equal((await call(open, { ref: 'refs/heads/main' })).status, 200)
    assert.equal((await webhookExecutions()).length, before + 2)
  })

  it('refuses bad definitions with the errors the model declares, and a deleted webhook\'s URL answers 404', async () => {
    assert.equal((await put(definition('x', { targetPipeline: 'no-such-pipeline' }))).errorCode, 'PipelineNotFoundException')
    assert.equal((await put(definition('x', { authenticationConfiguration: {} }))).errorCode, 'InvalidWebhookAuthenticationParametersException')
    assert.equal((await put(definition('x', { authentication: 'IP', authenticationConfiguration: { AllowedIPRange: 'everyone' } }))).errorCode, 'InvalidWebhookAuthenticationParametersException')
    const badRef = await put(definition('x', { filters: [{ jsonPath: '$.ref', matchEquals: 'refs/heads/{Nope}' }] }))
    assert.equal(badRef.errorCode, 'InvalidWebhookFilterPatternException')
    assert.match(badRef.stderr, /\{Nope\}/)
    assert.equal((await put(definition('x', { filters: [{ jsonPath: '$..[?(@.ref)]' }] }))).errorCode, 'InvalidWebhookFilterPatternException')
    assert.equal((await put(definition('x', { targetAction: 'Approval' }))).errorCode, 'ValidationException')
    assert.equal((await aws(server, ['codepipeline', 'register-webhook-with-third-party', '--webhook-name', 'x'])).errorCode, 'WebhookNotFoundException')
    assert.equal((await aws(server, ['codepipeline', 'register-webhook-with-third-party', '--webhook-name', 'open'])).code, 0)
    assert.equal((await aws(server, ['codepipeline', 'deregister-webhook-with-third-party', '--webhook-name', 'open'])).code, 0)

    const url = (await aws(server, ['codepipeline', 'list-webhooks'])).json.webhooks.find((w: { definition: { name: string } }) => w.definition.name === 'open').url
    assert.equal((await aws(server, ['codepipeline', 'delete-webhook', '--name', 'open'])).code, 0)
    assert.equal((await call(url, { ref: 'refs/heads/main' })).status, 404)
    assert.ok(!(await aws(server, ['codepipeline', 'list-webhooks'])).json.webhooks.some((w: { definition: { name: string } }) => w.definition.name === 'open'))
    // The webhook path is not an S3 bucket.
    assert.equal((await aws(server, ['s3', 'mb', 's3://webhooks'])).code !== 0, true)
  })
})
