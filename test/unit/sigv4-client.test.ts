/**
 * End to end over a real socket: the AWS SDK's CodeCommit client signs and sends, a bare Node HTTP
 * server verifies exactly what arrived on the wire.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { CodeCommitClient, GetRepositoryCommand } from '@aws-sdk/client-codecommit'
import { sha256Hex, verifyRequest } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup, VerifiedCaller } from '../../src/protocol/sigv4/verify-request.ts'
import { AwsError } from '../../src/shared/errors.ts'

const AKID = 'AKIDSLIPWAYCLIENT001'
const SECRET = 'client/secret+with/odd=chars'
const lookup: KeyLookup = async (id) =>
  id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'bob' } : undefined

const seen: VerifiedCaller[] = []
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    verifyRequest(
      {
        method: req.method ?? 'GET',
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? '' : url.slice(q + 1),
        headers: req.headersDistinct,
        payloadHash: sha256Hex(Buffer.concat(chunks)),
      },
      lookup,
      new Date(),
    ).then(
      (caller) => {
        seen.push(caller)
        if (caller.service === 's3') {
          res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"', 'content-length': 0 })
          res.end()
          return
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        res.end(JSON.stringify({ repositoryMetadata: { repositoryName: 'MyRepo', accountId: '000000000000' } }))
      },
      (error: unknown) => {
        const e = error instanceof AwsError ? error : new AwsError('InternalFailure', 'boom', 500)
        res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.code })
        res.end(JSON.stringify({ __type: e.code, message: e.message }))
      },
    )
  })
})

let endpoint = ''
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.close()
})

function client(secretAccessKey: string): CodeCommitClient {
  return new CodeCommitClient({
    endpoint,
    region: 'ap-southeast-2',
    credentials: { accessKeyId: AKID, secretAccessKey },
    maxAttempts: 1,
  })
}

describe('verifyRequest with the AWS SDK client over HTTP', () => {
  it('accepts what the SDK sends', async () => {
    const out = await client(SECRET).send(new GetRepositoryCommand({ repositoryName: 'MyRepo' }))
    assert.equal(out.repositoryMetadata?.repositoryName, 'MyRepo')
    const caller = seen.at(-1)
    assert.equal(caller?.principal, 'bob')
    assert.equal(caller?.region, 'ap-southeast-2')
    assert.equal(caller?.service, 'codecommit')
  })

  it('turns a wrong secret into InvalidSignatureException on the client', async () => {
    await assert.rejects(client('wrong').send(new GetRepositoryCommand({ repositoryName: 'MyRepo' })), (error: unknown) => {
      assert.equal((error as Error).name, 'InvalidSignatureException')
      assert.match((error as Error).message, /^The request signature we calculated does not match/)
      return true
    })
  })
})

const AWS_MISSING = spawnSync('aws', ['--version']).error ? 'the AWS CLI (`aws`) is not on PATH' : undefined

/** Runs the real AWS CLI (botocore signer) against the test server. */
function aws(args: string[], secret = SECRET): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ACCESS_KEY_ID: AKID,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_DEFAULT_REGION: 'eu-west-2',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
  return new Promise((resolve) => {
    execFile('aws', [...args, '--endpoint-url', endpoint], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('verifyRequest with the real AWS CLI (botocore) over HTTP', () => {
  it('accepts a CodeCommit call', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const out = await aws(['codecommit', 'get-repository', '--repository-name', 'MyRepo'])
    assert.equal(out.code, 0, out.stderr)
    assert.equal(seen.at(-1)?.region, 'eu-west-2')
  })

  it('reports InvalidSignatureException for a wrong secret', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const out = await aws(['codecommit', 'get-repository', '--repository-name', 'MyRepo'], 'wrong')
    assert.notEqual(out.code, 0)
    assert.match(out.stderr, /InvalidSignatureException/)
  })

  it('accepts S3 uploads and listings with awkward keys and query values', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const file = join(mkdtempSync(join(tmpdir(), 'sigv4-')), 'body.txt')
    writeFileSync(file, 'hello world')
    const put = await aws(['s3api', 'put-object', '--bucket', 'my-bucket', '--key', 'some dir/caf\u00e9+x:y~(1).txt', '--body', file])
    assert.equal(put.code, 0, put.stderr)
    assert.equal(seen.at(-1)?.service, 's3')
    const list = await aws(['s3api', 'list-objects-v2', '--bucket', 'my-bucket', '--prefix', 'a b+c/=&?*'])
    assert.equal(list.code, 0, list.stderr)
  })
})
