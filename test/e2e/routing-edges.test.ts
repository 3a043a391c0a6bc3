import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { signedFetch } from '../../src/protocol/sigv4/sign-request.ts'

/**
 * Where Slipway's endpoints share one port, each request reaches the endpoint it was meant for, with
 * that protocol's errors (issue 15, item 5).
 */
describe('routing and protocol edges', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'] })
  })
  after(async () => {
    await server?.stop()
  })

  const credentials = () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey })
  const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
  const s3 = (path: string, method = 'GET', service = 's3') =>
    signedFetch(`${server.url}${path}`, { method, region: 'us-east-1', service, credentials: credentials(), headers: { 'x-amz-content-sha256': EMPTY_SHA256 } })

  it('keeps the console\'s and Slipway\'s own path names and buckets out of the S3 API', async () => {
    for (const name of ['console', 'slipway', 'runner', 'health', 'slipway-registry']) {
      const made = await aws(server, ['s3api', 'create-bucket', '--bucket', name])
      assert.equal(made.errorCode, 'InvalidBucketName', `${name}: ${made.stderr}`)
    }
    const listed = await aws(server, ['s3api', 'list-buckets'])
    assert.deepEqual(listed.json.Buckets, [], 'the registry\'s own bucket is not listed')
    const registryObjects = await s3('/slipway-registry?list-type=2')
    assert.equal(registryObjects.status, 403)
    assert.match(await registryObjects.text(), /<Code>AccessDenied<\/Code>/)
    const consolePath = await s3('/console/api/no-such-route')
    assert.notEqual(consolePath.status, 200)
    assert.doesNotMatch(await consolePath.text(), /<ListBucketResult/)
  })

  it('refuses a request signed for another service, the way each protocol says it', async () => {
    const asCodeBuild = await s3('/', 'GET', 'codebuild')
    assert.equal(asCodeBuild.status, 400)
    assert.match(await asCodeBuild.text(), /<Code>AuthorizationHeaderMalformed<\/Code>/)
    const body = '{}'
    const res = await signedFetch(`${server.url}/`, {
      method: 'POST', region: 'us-east-1', service: 's3', credentials: credentials(), body,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodeBuild_20161006.ListProjects' },
    })
    assert.equal(res.status, 403)
    const error = (await res.json()) as { __type: string; message: string }
    assert.equal(error.__type, 'InvalidSignatureException')
    assert.match(error.message, /Credential should be scoped to correct service: 'codebuild'/)
    const ecr = await aws(server, ['ecr', 'describe-repositories'])
    assert.equal(ecr.code, 0, `ECR is signed as 'ecr' (its endpoint prefix is api.ecr): ${ecr.stderr}`)
  })

  it('answers a key that is not UTF-8 with S3\'s XML error', async () => {
    assert.equal((await aws(server, ['s3', 'mb', 's3://edges'])).code, 0)
    const res = await s3('/edges/%FF%FE')
    assert.equal(res.status, 400)
    assert.match(res.headers.get('content-type') ?? '', /xml/)
    assert.match(await res.text(), /<Code>InvalidURI<\/Code>/)
  })

  it('says a source version that starts with - is invalid, instead of not finding it', async () => {
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'dash'])).code, 0)
    const created = await aws(server, ['codebuild', 'create-project', '--name', 'dash', '--source', `type=CODECOMMIT,location=${server.url}/v1/repos/dash`, '--artifacts', 'type=NO_ARTIFACTS',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
    for (const version of ['--upload-pack=touch /tmp/pwned', 'refs/heads/-x']) {
      const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'dash', `--source-version=${version}`])
      assert.equal(started.errorCode, 'InvalidInputException', started.stderr)
      assert.match(started.stderr, /never starts with '-'/)
    }
  })

  it('treats a member sent as JSON null as absent, as AWS does (found by the fuzz tests: it crashed CreatePipeline)', async () => {
    assert.equal((await aws(server, ['s3', 'mb', 's3://null-artifacts'])).code, 0)
    const pipeline = {
      name: 'nulls', roleArn: 'arn:aws:iam::000000000000:role/r', artifactStore: { type: 'S3', location: 'null-artifacts' }, variables: null,
      stages: [
        { name: 'Source', actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { S3Bucket: 'null-artifacts', S3ObjectKey: 'src.zip' }, outputArtifacts: [{ name: 'Src' }], outputVariables: null }] },
        { name: 'Run', actions: [{ name: 'Run', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: ['true'], inputArtifacts: [{ name: 'Src' }], outputVariables: null, namespace: null }] },
      ],
    }
    const body = JSON.stringify({ pipeline })
    const res = await signedFetch(`${server.url}/`, {
      method: 'POST', region: 'us-east-1', service: 'codepipeline', credentials: credentials(), body,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodePipeline_20150709.CreatePipeline' },
    })
    const text = await res.text()
    assert.equal(res.status, 200, text)
    assert.equal((JSON.parse(text) as { pipeline: { name: string } }).pipeline.name, 'nulls')
  })

  it('refuses a request signed for a region this server does not serve, as AWS refuses a wrong-region signature (issue 14, item 6)', async () => {
    const json = await aws(server, ['codebuild', 'list-projects', '--region', 'eu-west-1'])
    assert.equal(json.errorCode, 'InvalidSignatureException', json.stderr)
    assert.match(json.stderr, /serves 'us-east-1', not 'eu-west-1'/)
    const s3res = await aws(server, ['s3api', 'list-buckets', '--region', 'eu-west-1'])
    assert.equal(s3res.errorCode, 'AuthorizationHeaderMalformed', s3res.stderr)
    assert.match(s3res.stderr, /the region 'eu-west-1' is wrong; expecting 'us-east-1'/)
    assert.equal((await aws(server, ['codebuild', 'list-projects'])).code, 0, 'the served region works')
  })
})
