/**
 * The client-side signer (`signRequest` / `signedFetch`): verified by Slipway's own `verifyRequest`
 * and compared byte for byte with the AWS SDK's signer (`@smithy/signature-v4`) for the same request.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { signRequest, signedFetch } from '../../src/protocol/sigv4/sign-request.ts'
import { sha256Hex, verifyRequest } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup, SignedRequest } from '../../src/protocol/sigv4/verify-request.ts'
import { uriEncode } from '../../src/protocol/sigv4/canonical.ts'

const AKID = 'AKIDSLIPWAYAGENT0001'
const SECRET = 'agent/secret+with=odd/chars'
const REGION = 'eu-west-1'
const AT = new Date('2026-11-24T08:30:00Z')
const credentials = { accessKeyId: AKID, secretAccessKey: SECRET }
const lookup: KeyLookup = async (id) => (id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'agent' } : undefined)

/** What a Node server would see for a request sent with these headers. */
function wire(method: string, url: URL, headers: Record<string, string>, body = ''): SignedRequest {
  return { method, path: url.pathname, query: url.search.slice(1), headers, payloadHash: sha256Hex(body) }
}

function smithy(service: string, opts: { uriEscapePath: boolean; applyChecksum: boolean; sessionToken?: string }): SignatureV4 {
  return new SignatureV4({
    service,
    region: REGION,
    credentials: { ...credentials, ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}) },
    sha256: Sha256,
    uriEscapePath: opts.uriEscapePath,
    applyChecksum: opts.applyChecksum,
  })
}

const BODY = '{"HostIdentifier":"arn:aws:iam::000000000000:user/web-1"}'
const JSON_HEADERS = {
  'Content-Type': 'application/x-amz-json-1.1',
  'X-Amz-Target': 'CodeDeployCommandService_v20141006.PollHostCommand',
}

describe('signRequest', () => {
  it('signs an AWS JSON 1.1 POST that verifyRequest accepts', async () => {
    const url = new URL('http://127.0.0.1:4566/')
    const headers = signRequest({ method: 'POST', url, headers: JSON_HEADERS, body: BODY, service: 'codedeploy-commands', region: REGION, credentials, date: AT })
    assert.equal(headers.host, '127.0.0.1:4566')
    assert.equal(headers['x-amz-content-sha256'], undefined, 'JSON services get no content-sha256 header, like botocore')
    assert.match(headers.authorization ?? '', /SignedHeaders=content-type;host;x-amz-date;x-amz-target,/)
    const caller = await verifyRequest(wire('POST', url, headers, BODY), lookup, AT)
    assert.equal(caller.service, 'codedeploy-commands')
    assert.equal(caller.region, REGION)
    assert.equal(caller.principal, 'agent')
  })

  it('matches the AWS SDK signer for the same JSON POST', async () => {
    const url = new URL('http://127.0.0.1:4566/')
    const mine = signRequest({ method: 'POST', url, headers: JSON_HEADERS, body: BODY, service: 'codedeploy', region: REGION, credentials, date: AT })
    const theirs = await smithy('codedeploy', { uriEscapePath: true, applyChecksum: false }).sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/', query: {}, headers: { host: '127.0.0.1:4566', ...JSON_HEADERS }, body: BODY },
      { signingDate: AT },
    )
    assert.equal(mine.authorization, theirs.headers.authorization)
  })

  it('matches the AWS SDK signer for an S3 GET with an awkward key and a version id', async () => {
    const key = 'bundles/my app (v1)/café+build=7.zip'
    const path = `/my-bucket/${key.split('/').map(uriEncode).join('/')}`
    const url = new URL(`http://localhost:4566${path}?versionId=${encodeURIComponent('3/L4kqtJl+cp=')}`)
    const mine = signRequest({ method: 'GET', url, service: 's3', region: REGION, credentials, date: AT })
    const theirs = await smithy('s3', { uriEscapePath: false, applyChecksum: true }).sign(
      { method: 'GET', protocol: 'http:', hostname: 'localhost', port: 4566, path, query: { versionId: '3/L4kqtJl+cp=' }, headers: { host: 'localhost:4566' } },
      { signingDate: AT },
    )
    assert.equal(mine['x-amz-content-sha256'], sha256Hex(''))
    assert.equal(mine['x-amz-content-sha256'], theirs.headers['x-amz-content-sha256'])
    assert.equal(mine.authorization, theirs.headers.authorization)
    const caller = await verifyRequest({ ...wire('GET', url, mine), payloadHash: mine['x-amz-content-sha256'] ?? '' }, lookup, AT)
    assert.equal(caller.service, 's3')
  })

  it('signs the session token of temporary credentials like the SDK', async () => {
    const url = new URL('http://127.0.0.1:4566/')
    const sessionToken = 'FwoGZXIvYXdzEXAMPLE//token=='
    const mine = signRequest({ method: 'POST', url, headers: JSON_HEADERS, body: BODY, service: 'codedeploy', region: REGION, credentials: { ...credentials, sessionToken }, date: AT })
    const theirs = await smithy('codedeploy', { uriEscapePath: true, applyChecksum: false, sessionToken }).sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/', query: {}, headers: { host: '127.0.0.1:4566', ...JSON_HEADERS }, body: BODY },
      { signingDate: AT },
    )
    assert.equal(mine['x-amz-security-token'], sessionToken)
    assert.equal(mine.authorization, theirs.headers.authorization)
  })

  it('does not sign user-agent or content-length, and a wrong secret fails verification', async () => {
    const url = new URL('http://127.0.0.1:4566/')
    const headers = signRequest({
      method: 'POST',
      url,
      headers: { ...JSON_HEADERS, 'User-Agent': 'slipway-agent', 'Content-Length': '57' },
      body: BODY,
      service: 'codedeploy',
      region: REGION,
      credentials: { accessKeyId: AKID, secretAccessKey: 'wrong' },
      date: AT,
    })
    assert.doesNotMatch(headers.authorization ?? '', /user-agent|content-length/)
    await assert.rejects(verifyRequest(wire('POST', url, headers, BODY), lookup, AT), { code: 'InvalidSignatureException' })
  })
})

describe('signedFetch over a real socket', () => {
  const seen: { service: string; method: string; body: string }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = req.url ?? '/'
      const q = url.indexOf('?')
      const body = Buffer.concat(chunks)
      verifyRequest(
        { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.headersDistinct, payloadHash: sha256Hex(body) },
        lookup,
        new Date(),
      ).then(
        (caller) => {
          seen.push({ service: caller.service, method: req.method ?? '', body: body.toString() })
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
          res.end('{}')
        },
        (err: { code?: string; message?: string }) => {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
          res.end(JSON.stringify({ __type: err.code, message: err.message }))
        },
      )
    })
  })
  let endpoint = ''
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => server.close())

  it('sends a JSON POST and an S3 GET that the server verifies', async () => {
    const post = await signedFetch(`${endpoint}/`, { method: 'POST', headers: JSON_HEADERS, body: BODY, service: 'codedeploy-commands', region: REGION, credentials })
    assert.equal(post.status, 200, await post.clone().text())
    const get = await signedFetch(`${endpoint}/my-bucket/${uriEncode('a b/ç.zip').replace('%2F', '/')}?versionId=v%2B1`, { service: 's3', region: REGION, credentials })
    assert.equal(get.status, 200, await get.clone().text())
    assert.deepEqual(seen.map((s) => [s.method, s.service]), [['POST', 'codedeploy-commands'], ['GET', 's3']])
    assert.equal(seen[0]?.body, BODY)
  })
})
