/**
 * SigV4 header-form verification against requests signed by the real AWS SDK signer
 * (`@smithy/signature-v4`), plus the error paths.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { signingKey, sha256Hex, verifyRequest, parseAuthorization } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup, SignedRequest } from '../../src/protocol/sigv4/verify-request.ts'

type SdkRequest = Parameters<SignatureV4['sign']>[0] & { method: string }

const AKID = 'AKIDSLIPWAYTEST00001'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const REGION = 'eu-west-2'
const SIGNED_AT = new Date('2026-11-24T06:00:00Z')
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

const lookup: KeyLookup = async (id) =>
  id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'alice' } : undefined

function signer(service: string, opts: { accessKeyId?: string; uriEscapePath?: boolean } = {}): SignatureV4 {
  return new SignatureV4({
    service,
    region: REGION,
    credentials: { accessKeyId: opts.accessKeyId ?? AKID, secretAccessKey: SECRET },
    sha256: Sha256,
    uriEscapePath: opts.uriEscapePath ?? true,
  })
}

/** The SDK's query serialisation (RFC 3986 escaping of keys and values). */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** What a Node server would see for a request the SDK sends. */
function toWire(signed: SdkRequest, body = ''): SignedRequest {
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (v === null ? [escape(k)] : (Array.isArray(v) ? v : [v]).map((x) => `${escape(k)}=${escape(x)}`)))
    .join('&')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = String(value).trim()
  const claimed = headers['x-amz-content-sha256']
  return { method: signed.method, path: signed.path, query, headers, payloadHash: claimed ?? sha256Hex(body) }
}

function jsonRequest(body: string): SdkRequest {
  return {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8080,
    path: '/',
    headers: {
      host: '127.0.0.1:8080',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CodeCommit_20150413.GetRepository',
    },
    body,
  }
}

const BODY = '{"repositoryName":"MyRepo"}'

async function signedJson(at = SIGNED_AT, accessKeyId = AKID): Promise<SignedRequest> {
  const signed = await signer('codecommit', { accessKeyId }).sign(jsonRequest(BODY), { signingDate: at })
  return toWire(signed as SdkRequest, BODY)
}

function errorWith(code: string, message?: string | RegExp, status?: number) {
  return (error: unknown): boolean => {
    const e = error as { code?: string; message?: string; status?: number }
    assert.equal(e.code, code)
    if (typeof message === 'string') assert.equal(e.message, message)
    else if (message) assert.match(e.message ?? '', message)
    if (status !== undefined) assert.equal(e.status, status)
    return true
  }
}

describe('verifyRequest (Authorization header)', () => {
  it('accepts an AWS JSON request signed by the SDK and returns the caller', async () => {
    const caller = await verifyRequest(await signedJson(), lookup, new Date('2026-11-24T06:05:00Z'))
    assert.equal(caller.accessKeyId, AKID)
    assert.equal(caller.principal, 'alice')
    assert.equal(caller.region, REGION)
    assert.equal(caller.service, 'codecommit')
    assert.equal(caller.signingDate, '20261124')
    assert.equal(caller.amzDate, '20261124T060000Z')
    assert.equal(caller.scope, '20261124/eu-west-2/codecommit/aws4_request')
    assert.equal(caller.presigned, false)
    assert.deepEqual(caller.signingKey, signingKey(SECRET, '20261124', REGION, 'codecommit'))
  })

  it('accepts an S3 request with an encoded path, tricky query and whitespace in headers', async () => {
    const path = '/my-bucket/some%20dir/caf%C3%A9%2Bx%3Ay~z.txt'
    const signed = await signer('s3', { uriEscapePath: false }).sign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: 'localhost',
        port: 9000,
        path,
        query: { uploadId: 'a b+c/d', partNumber: '2', tags: ['z', 'a'], empty: '' },
        headers: {
          host: 'localhost:9000',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          'x-amz-meta-note': '  hello    world  ',
        },
        body: 'data',
      },
      { signingDate: SIGNED_AT },
    )
    const wire = toWire(signed as SdkRequest)
    assert.equal(wire.path, path)
    const caller = await verifyRequest(wire, lookup, SIGNED_AT)
    assert.equal(caller.service, 's3')
    // `+` as the raw byte means a space, as AWS reads it; the SDK itself sends %2B.
    const plus = { ...wire, query: wire.query.replace('a%20b', 'a+b') }
    await verifyRequest(plus, lookup, SIGNED_AT)
  })

  it('normalises and double-encodes the path for non-S3 services', async () => {
    const path = '/v1/a%3Ab/./c//../d/'
    const signed = await signer('codecommit').sign({ ...jsonRequest(BODY), path }, { signingDate: SIGNED_AT })
    await verifyRequest(toWire(signed as SdkRequest, BODY), lookup, SIGNED_AT)
  })

  it('joins repeated header values with a comma', async () => {
    const req = jsonRequest(BODY)
    const signed = await signer('codecommit').sign(
      { ...req, headers: { ...req.headers, 'x-amz-meta-list': 'a,b' } },
      { signingDate: SIGNED_AT },
    )
    const wire = toWire(signed as SdkRequest, BODY)
    await verifyRequest({ ...wire, headers: { ...wire.headers, 'x-amz-meta-list': ['a', 'b'] } }, lookup, SIGNED_AT)
  })

  it('accepts the Date header when X-Amz-Date is absent', async () => {
    const headers = { host: 'example.test', date: 'Tue, 24 Nov 2026 06:00:00 GMT' }
    const canonical = `GET\n/\n\ndate:${headers.date}\nhost:${headers.host}\n\ndate;host\n${sha256Hex('')}`
    const scope = `20261124/${REGION}/codebuild/aws4_request`
    const toSign = `AWS4-HMAC-SHA256\n20261124T060000Z\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`
    const signature = createHmac('sha256', signingKey(SECRET, '20261124', REGION, 'codebuild')).update(toSign).digest('hex')
    const authorization = `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=date;host, Signature=${signature}`
    const caller = await verifyRequest(
      { method: 'GET', path: '/', query: '', headers: { ...headers, authorization }, payloadHash: sha256Hex('') },
      lookup,
      SIGNED_AT,
    )
    assert.equal(caller.amzDate, '20261124T060000Z')
  })

  it('rejects a tampered body, header, path, query or method', async () => {
    const wire = await signedJson()
    const tampered: SignedRequest[] = [
      { ...wire, payloadHash: sha256Hex('{"repositoryName":"Other"}') },
      { ...wire, headers: { ...wire.headers, 'x-amz-target': 'CodeCommit_20150413.DeleteRepository' } },
      { ...wire, headers: { ...wire.headers, host: '127.0.0.1:8081' } },
      { ...wire, path: '/other' },
      { ...wire, query: 'x=1' },
      { ...wire, method: 'PUT' },
    ]
    for (const req of tampered) {
      await assert.rejects(verifyRequest(req, lookup, SIGNED_AT), errorWith('InvalidSignatureException', MISMATCH, 403))
    }
  })

  it('rejects a wrong secret', async () => {
    const wire = await signedJson()
    const wrong: KeyLookup = async (id) => ({ accessKeyId: id, secretAccessKey: 'not-the-secret', principal: 'x' })
    await assert.rejects(verifyRequest(wire, wrong, SIGNED_AT), errorWith('InvalidSignatureException', MISMATCH))
  })

  it('rejects an unknown access key', async () => {
    const wire = await signedJson(SIGNED_AT, 'AKIDUNKNOWN000000000')
    await assert.rejects(
      verifyRequest(wire, lookup, SIGNED_AT),
      errorWith('UnrecognizedClientException', 'The security token included in the request is invalid.', 403),
    )
  })

  it('rejects requests signed more than 15 minutes away from now, with AWS wording', async () => {
    const wire = await signedJson()
    await assert.rejects(
      verifyRequest(wire, lookup, new Date('2026-11-24T06:31:00Z')),
      errorWith(
        'InvalidSignatureException',
        'Signature expired: 20261124T060000Z is now earlier than 20261124T061600Z (20261124T063100Z - 15 min.)',
        403,
      ),
    )
    await assert.rejects(
      verifyRequest(wire, lookup, new Date('2026-11-24T05:30:00Z')),
      errorWith(
        'InvalidSignatureException',
        'Signature not yet current: 20261124T060000Z is still later than 20261124T054500Z (20261124T053000Z + 15 min.)',
      ),
    )
    await verifyRequest(wire, lookup, new Date('2026-11-24T06:14:59Z'))
    await verifyRequest(wire, lookup, new Date('2026-11-24T06:31:00Z'), { maxSkewSeconds: 3600 })
  })

  it('answers MissingAuthenticationTokenException without any authentication', async () => {
    const wire = await signedJson()
    const { authorization: _, ...headers } = wire.headers
    await assert.rejects(
      verifyRequest({ ...wire, headers }, lookup, SIGNED_AT),
      errorWith('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
    )
  })

  it('answers IncompleteSignatureException for malformed headers', async () => {
    const wire = await signedJson()
    const auth = String(wire.headers.authorization)
    const withAuth = (authorization: string): SignedRequest => ({ ...wire, headers: { ...wire.headers, authorization } })
    const cases: Array<[SignedRequest, string | RegExp]> = [
      [
        withAuth(auth.replace(/, SignedHeaders=[^,]*/, '')),
        /^Authorization header requires 'SignedHeaders' parameter\. Authorization=AWS4-HMAC-SHA256 Credential=/,
      ],
      [
        withAuth('AWS4-HMAC-SHA256 Foo=bar'),
        `Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Foo=bar`,
      ],
      [withAuth(auth.replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;')), /'Host' or ':authority' must be a 'SignedHeader'/],
      [withAuth(auth.replace('/aws4_request', '/aws5_request')), /valid terminator: 'aws4_request', not 'aws5_request'/],
      [withAuth(auth.replace(`/${REGION}/`, '/')), /exactly 5 slash-delimited elements/],
      [withAuth('AWS AKID:signature'), /Unsupported AWS 'algorithm': 'AWS'/],
      [withAuth('AWS4-HMAC-SHA256 garbage'), /'garbage' not a valid key=value pair \(missing equal-sign\)/],
      [{ ...wire, headers: { ...wire.headers, 'x-amz-date': '2026-11-24T06:00:00Z' } }, /Date must be in ISO-8601 'basic format'/],
    ]
    for (const [req, message] of cases) {
      await assert.rejects(verifyRequest(req, lookup, SIGNED_AT), errorWith('IncompleteSignatureException', message, 403))
    }
    const { 'x-amz-date': _, ...noDate } = wire.headers
    await assert.rejects(
      verifyRequest({ ...wire, headers: noDate }, lookup, SIGNED_AT),
      errorWith('IncompleteSignatureException', /requires existence of either a 'X-Amz-Date' or a 'Date' header\. Authorization=/),
    )
  })

  it('rejects a credential scope dated differently from X-Amz-Date', async () => {
    const wire = await signedJson()
    const auth = String(wire.headers.authorization).replace('/20261124/', '/20261123/')
    await assert.rejects(
      verifyRequest({ ...wire, headers: { ...wire.headers, authorization: auth } }, lookup, SIGNED_AT),
      errorWith(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261123' != '20261124', from '20261124T060000Z'.`,
      ),
    )
  })
})

describe('parseAuthorization', () => {
  it('reads the three parameters, with or without spaces after commas', () => {
    const parsed = parseAuthorization(
      `AWS4-HMAC-SHA256 Credential=${AKID}/20261124/us-east-1/codebuild/aws4_request,SignedHeaders=Host;X-Amz-Date,Signature=abc`,
    )
    assert.deepEqual(parsed, {
      algorithm: 'AWS4-HMAC-SHA256',
      credential: `${AKID}/20261124/us-east-1/codebuild/aws4_request`,
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc',
    })
  })
})
