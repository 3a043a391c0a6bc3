/**
 * The wire protocol's error paths as a client sees them: raw `fetch` requests, requests signed by
 * `@smithy/signature-v4` (the SDK's own signer), git smart HTTP authentication, and the AWS CLI's
 * rendering of a service error.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { basicUrl, git, gitOk, makeWorkTree } from '../helpers/git.ts'
import { aws, awsCliAvailable } from '../helpers/aws-cli.ts'

const TARGET = 'CodeCommit_20150413'
const JSON_11 = 'application/x-amz-json-1.1'

type WireReply = { status: number; headers: Headers; body: any; raw: string }

type SignOptions = {
  target: string
  /** The body that is signed. */
  body: string
  /** The body that is sent, when it differs from the signed one. */
  sendBody?: string
  accessKeyId?: string
  secretAccessKey?: string
  signingDate?: Date
}

describe('wire protocol error paths', () => {
  let server: TestServer
  let host = ''

  before(async () => {
    server = await startTestServer()
    host = new URL(server.url).host
  })

  after(async () => {
    await server?.stop()
  })

  async function send(headers: Record<string, string>, body: string): Promise<WireReply> {
    const res = await fetch(`${server.url}/`, { method: 'POST', headers, body })
    const raw = await res.text()
    let parsed: any
    try {
      parsed = JSON.parse(raw)
    } catch {
      parsed = undefined
    }
    return { status: res.status, headers: res.headers, body: parsed, raw }
  }

  /** Signs a POST / with the SDK's SigV4 signer, then sends it (optionally with another body). */
  async function signed(options: SignOptions): Promise<WireReply> {
    const url = new URL(server.url)
    const signer = new SignatureV4({
      service: 'codecommit',
      region: 'us-east-1',
      credentials: { accessKeyId: options.accessKeyId ?? server.accessKeyId, secretAccessKey: options.secretAccessKey ?? server.secretAccessKey },
      sha256: Sha256,
    })
    const request = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: {},
        headers: { host, 'content-type': JSON_11, 'x-amz-target': options.target },
        body: options.body,
      },
      options.signingDate ? { signingDate: options.signingDate } : {},
    )
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(request.headers)) if (k.toLowerCase() !== 'host') headers[k] = String(v)
    return send(headers, options.sendBody ?? options.body)
  }

  const call = (operation: string, input: unknown) => signed({ target: `${TARGET}.${operation}`, body: JSON.stringify(input) })

  /** An AWS JSON error: status, the error type in the header and body, a request id, a message. */
  function assertAwsError(reply: WireReply, status: number, type: string): string {
    assert.equal(reply.status, status, `expected ${status} ${type}, got ${reply.status}: ${reply.raw}`)
    assert.equal(reply.headers.get('x-amzn-errortype'), type)
    assert.ok(reply.headers.get('x-amzn-requestid'), 'x-amzn-RequestId header is present on errors')
    assert.equal(reply.headers.get('content-type'), JSON_11)
    assert.ok(reply.body, `the body is JSON: ${reply.raw}`)
    assert.equal(reply.body.__type, type)
    assert.equal(typeof reply.body.message, 'string')
    assert.ok(reply.body.message.length > 0, 'the error has a message')
    return reply.body.message
  }

  describe('authentication (SigV4)', () => {
    it('an unsigned request is 403 MissingAuthenticationTokenException', async () => {
      const reply = await send({ 'content-type': JSON_11, 'x-amz-target': `${TARGET}.ListRepositories` }, '{}')
      assertAwsError(reply, 403, 'MissingAuthenticationTokenException')
    })

    it('an unknown access key is 403 UnrecognizedClientException', async () => {
      const reply = await signed({ target: `${TARGET}.ListRepositories`, body: '{}', accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever' })
      assertAwsError(reply, 403, 'UnrecognizedClientException')
    })

    it('the right key with the wrong secret is 403 InvalidSignatureException', async () => {
      const reply = await signed({ target: `${TARGET}.ListRepositories`, body: '{}', secretAccessKey: `${server.secretAccessKey}x` })
      const message = assertAwsError(reply, 403, 'InvalidSignatureException')
      assert.match(message, /signature we calculated does not match/)
    })

    it('a body altered after signing is 403 InvalidSignatureException and is not executed', async () => {
      const reply = await signed({
        target: `${TARGET}.CreateRepository`,
        body: JSON.stringify({ repositoryName: 'proto-signed-name' }),
        sendBody: JSON.stringify({ repositoryName: 'proto-tampered-name' }),
      })
      assertAwsError(reply, 403, 'InvalidSignatureException')
      assertAwsError(await call('GetRepository', { repositoryName: 'proto-tampered-name' }), 400, 'RepositoryDoesNotExistException')
    })

    it('a request signed 20 minutes ago is InvalidSignatureException: Signature expired', async () => {
      const reply = await signed({ target: `${TARGET}.ListRepositories`, body: '{}', signingDate: new Date(Date.now() - 20 * 60_000) })
      const message = assertAwsError(reply, 403, 'InvalidSignatureException')
      assert.ok(message.startsWith('Signature expired'), message)
    })

    it('a correctly signed request succeeds (the signer itself is right)', async () => {
      const reply = await call('ListRepositories', {})
      assert.equal(reply.status, 200, reply.raw)
      assert.ok(Array.isArray(reply.body.repositories))
    })
  })

  describe('request decoding and routing', () => {
    it('malformed JSON is 400 SerializationException', async () => {
      assertAwsError(await signed({ target: `${TARGET}.ListRepositories`, body: '{"sortBy": ' }), 400, 'SerializationException')
    })

    it('unknown targets are UnknownOperationException', async () => {
      assertAwsError(await signed({ target: `${TARGET}.NoSuchOp`, body: '{}' }), 400, 'UnknownOperationException')
      assertAwsError(await signed({ target: 'Nope_1.X', body: '{}' }), 400, 'UnknownOperationException')
    })

    it('a modeled but unimplemented operation is a 400 naming the operation', async () => {
      const reply = await call('CreatePullRequest', { title: 'a pull request', targets: [{ repositoryName: 'proto-any', sourceReference: 'feature' }] })
      assert.equal(reply.status, 400, reply.raw)
      assert.ok(reply.headers.get('x-amzn-requestid'))
      assert.equal(reply.headers.get('x-amzn-errortype'), reply.body?.__type)
      assert.match(reply.body?.message ?? '', /CreatePullRequest/)
    })

    it('an enum violation is a ValidationException worded as AWS words it', async () => {
      const reply = await call('ListRepositories', { sortBy: 'bogus' })
      const message = assertAwsError(reply, 400, 'ValidationException')
      assert.ok(
        message.startsWith("1 validation error detected: Value 'bogus' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: ["),
        message,
      )
      assert.match(message, /\[repositoryName, lastModifiedDate\]$/)
    })

    it('a value of the wrong JSON type is SerializationException', async () => {
      const message = assertAwsError(await call('GetRepository', { repositoryName: 5 }), 400, 'SerializationException')
      assert.match(message, /NUMBER_VALUE can not be converted to a String/)
    })
  })

  describe('successful responses', () => {
    it('use exactly the JSON 1.1 content type (no charset, as AWS), carry a request id, and send timestamps as epoch seconds', async () => {
      const before = Date.now() / 1000
      const created = await call('CreateRepository', { repositoryName: 'proto-success' })
      assert.equal(created.status, 200, created.raw)
      assert.equal(created.headers.get('content-type'), JSON_11)
      const id1 = created.headers.get('x-amzn-requestid')
      assert.ok(id1, 'x-amzn-RequestId header is present on success')
      const md = created.body.repositoryMetadata
      for (const field of ['creationDate', 'lastModifiedDate']) {
        assert.equal(typeof md[field], 'number', `${field} is a JSON number: ${created.raw}`)
        assert.ok(Math.abs(md[field] - before) < 60, `${field} ${md[field]} is epoch seconds near ${before}`)
      }

      const got = await call('GetRepository', { repositoryName: 'proto-success' })
      assert.equal(got.status, 200)
      assert.equal(got.headers.get('content-type'), JSON_11)
      assert.notEqual(got.headers.get('x-amzn-requestid'), id1, 'each request gets its own id')
    })
  })

  describe('git smart HTTP authentication', () => {
    const repo = 'proto-git'
    let refsUrl = ''
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

    before(async () => {
      const created = await call('CreateRepository', { repositoryName: repo })
      assert.equal(created.status, 200, created.raw)
      refsUrl = `${server.url}/v1/repos/${repo}/info/refs?service=git-upload-pack`
    })

    it('info/refs without credentials is 401 with a Basic challenge', async () => {
      const res = await fetch(refsUrl)
      await res.arrayBuffer()
      assert.equal(res.status, 401)
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic\b/)
    })

    it('info/refs with a wrong password is 401', async () => {
      const res = await fetch(refsUrl, { headers: { authorization: basic(server.accessKeyId, 'wrong-password') } })
      await res.arrayBuffer()
      assert.equal(res.status, 401)
      const unknownUser = await fetch(refsUrl, { headers: { authorization: basic('AKIAUNKNOWNKEY000000', server.secretAccessKey) } })
      await unknownUser.arrayBuffer()
      assert.equal(unknownUser.status, 401)
    })

    it('good credentials: 200 for an existing repository, 404 for a missing one', async () => {
      const auth = { authorization: basic(server.accessKeyId, server.secretAccessKey) }
      const ok = await fetch(refsUrl, { headers: auth })
      await ok.arrayBuffer()
      assert.equal(ok.status, 200)
      assert.equal(ok.headers.get('content-type'), 'application/x-git-upload-pack-advertisement')

      const missing = await fetch(`${server.url}/v1/repos/proto-no-such-repo/info/refs?service=git-upload-pack`, { headers: auth })
      await missing.arrayBuffer()
      assert.equal(missing.status, 404)
    })

    it('a push with a wrong password fails and writes nothing; a clone with the right one works', async () => {
      const dir = tempDir('proto-push')
      const work = path.join(dir, 'w')
      const first = await makeWorkTree(work, { 'a.txt': 'one\n' })
      const badUrl = basicUrl(server.url, repo, server.accessKeyId, 'not-the-secret')
      const goodUrl = basicUrl(server.url, repo, server.accessKeyId, server.secretAccessKey)

      const denied = await git(work, ['push', badUrl, 'main'])
      assert.notEqual(denied.code, 0, 'the push is refused')
      assert.match(denied.stderr, /Authentication failed/)
      assertAwsError(await call('GetBranch', { repositoryName: repo, branchName: 'main' }), 400, 'BranchDoesNotExistException')

      const pushed = await git(work, ['push', goodUrl, 'main'])
      assert.equal(pushed.code, 0, pushed.stderr)
      const tip = await call('GetBranch', { repositoryName: repo, branchName: 'main' })
      assert.equal(tip.body?.branch?.commitId, first)

      fs.writeFileSync(path.join(work, 'a.txt'), 'two\n')
      await gitOk(work, ['commit', '-q', '-am', 'second'])
      const deniedAgain = await git(work, ['push', badUrl, 'main'])
      assert.notEqual(deniedAgain.code, 0)
      assert.match(deniedAgain.stderr, /Authentication failed/)
      const unchanged = await call('GetBranch', { repositoryName: repo, branchName: 'main' })
      assert.equal(unchanged.body?.branch?.commitId, first, 'the branch did not move')

      const cloned = await git(dir, ['clone', goodUrl, 'c'])
      assert.equal(cloned.code, 0, cloned.stderr)
      assert.equal((await gitOk(path.join(dir, 'c'), ['rev-parse', 'HEAD'])).trim(), first)
      assert.equal(fs.readFileSync(path.join(dir, 'c', 'a.txt'), 'utf8'), 'one\n')

      const badClone = await git(dir, ['clone', badUrl, 'bad'])
      assert.notEqual(badClone.code, 0, 'a clone with a wrong password fails')
      assert.match(badClone.stderr, /Authentication failed/)
      fs.rmSync(dir, { recursive: true, force: true })
    })
  })

  describe('AWS CLI', () => {
    it('prints the error code of a service error and exits non-zero', async (t) => {
      if (!(await awsCliAvailable())) {
        t.skip('aws CLI not installed')
        return
      }
      const r = await aws(server, ['codecommit', 'get-repository', '--repository-name', 'proto-cli-missing'])
      assert.notEqual(r.code, 0)
      assert.match(r.stderr, /An error occurred \(RepositoryDoesNotExistException\)/)
      assert.match(r.stderr, /proto-cli-missing/)
    })
  })
})
