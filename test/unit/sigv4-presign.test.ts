/**
 * Presigned (query-string) SigV4: URLs made by the SDK signer's `presign` and by `aws s3 presign`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { sha256Hex, verifyRequest } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup, SignedRequest } from '../../src/protocol/sigv4/verify-request.ts'

type SdkRequest = Parameters<SignatureV4['presign']>[0]

const AKID = 'AKIDSLIPWAYPRESIGN01'
const SECRET = 'presign/secret'
const AT = new Date('2026-11-24T06:00:00Z')
const lookup: KeyLookup = async (id) =>
  id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'erin' } : undefined

function signer(service: string): SignatureV4 {
  return new SignatureV4({
    service,
    region: 'eu-central-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  })
}

function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The GET a browser or curl sends for a presigned URL: only `host` (plus any unhoisted headers). */
function toWire(presigned: SdkRequest, payloadHash = sha256Hex('')): SignedRequest {
  const query = Object.entries(presigned.query ?? {})
    .flatMap(([k, v]) => (v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => `${escape(k)}=${escape(x)}`)))
    .join('&')
  const headers = Object.fromEntries(Object.entries(presigned.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
  return { method: presigned.method, path: presigned.path, query, headers, payloadHash }
}

function s3Get(headers: Record<string, string> = {}): SdkRequest {
  return {
    method: 'GET',
    protocol: 'http:',
    hostname: 'localhost',
    port: 9000,
    path: '/my-bucket/reports/2026%20Q4%2B.pdf',
    query: { 'response-content-disposition': 'attachment; filename="r.pdf"' },
    headers: { host: 'localhost:9000', ...headers },
  }
}

function code(expected: string, message?: string | RegExp, status?: number) {
  return (error: unknown): boolean => {
    const e = error as { code?: string; message?: string; status?: number }
    assert.equal(e.code, expected)
    if (typeof message === 'string') assert.equal(e.message, message)
    else if (message) assert.match(e.message ?? '', message)
    if (status !== undefined) assert.equal(e.status, status)
    return true
  }
}

const AWS_MISSING = spawnSync('aws', ['--version']).error ? 'the AWS CLI (`aws`) is not on PATH' : undefined

/** `aws s3 presign` with an isolated config; `signatureVersion` goes to the `s3` section of it. */
function presignWithCli(signatureVersion: string | undefined): SignedRequest {
  const dir = mkdtempSync(join(tmpdir(), 'sigv4-presign-'))
  const config = join(dir, 'config')
  writeFileSync(config, `[default]\n${signatureVersion ? `s3 =\n  signature_version = ${signatureVersion}\n` : ''}`)
  try {
    const printed = execFileSync(
      'aws',
      ['s3', 'presign', 's3://my-bucket/dir/a b+c~(1).txt', '--expires-in', '300', '--endpoint-url', 'http://127.0.0.1:9000'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          AWS_ACCESS_KEY_ID: AKID,
          AWS_SECRET_ACCESS_KEY: SECRET,
          AWS_DEFAULT_REGION: 'ap-northeast-1',
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        },
        encoding: 'utf8',
      },
    ).trim()
    const url = new URL(printed)
    return { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: { host: url.host }, payloadHash: sha256Hex('') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('verifyRequest (presigned URLs)', () => {
  it('accepts an S3 URL with a hoisted X-Amz-Content-Sha256', async () => {
    const url = await signer('s3').presign(s3Get({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }), {
      signingDate: AT,
      expiresIn: 3600,
    })
    const caller = await verifyRequest(toWire(url), lookup, new Date('2026-11-24T06:59:59Z'))
    assert.equal(caller.presigned, true)
    assert.equal(caller.principal, 'erin')
    assert.equal(caller.region, 'eu-central-1')
  })

  it('accepts an S3 URL whose UNSIGNED-PAYLOAD hash was not hoisted (the S3 presigner way)', async () => {
    const url = await signer('s3').presign(s3Get({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }), {
      signingDate: AT,
      unhoistableHeaders: new Set(['x-amz-content-sha256']),
      unsignableHeaders: new Set(['x-amz-content-sha256']),
    })
    const { 'x-amz-content-sha256': _, ...headers } = toWire(url).headers
    await verifyRequest({ ...toWire(url), headers }, lookup, AT)
  })

  it('accepts a non-S3 presigned request over the body hash', async () => {
    const req = { ...s3Get(), path: '/', query: { Action: 'ListRepositories' } }
    const url = await signer('codecommit').presign(req, { signingDate: AT })
    await verifyRequest(toWire(url), lookup, AT)
  })

  it('answers AccessDenied "Request has expired" after X-Amz-Expires', async () => {
    const url = await signer('s3').presign(s3Get(), { signingDate: AT, expiresIn: 600 })
    await verifyRequest(toWire(url), lookup, new Date('2026-11-24T06:10:00Z'))
    await assert.rejects(
      verifyRequest(toWire(url), lookup, new Date('2026-11-24T06:10:01Z')),
      code('AccessDenied', 'Request has expired', 403),
    )
    await assert.rejects(
      verifyRequest(toWire(url), lookup, new Date('2026-11-24T05:40:00Z')),
      code('AccessDenied', 'Request is not valid yet', 403),
    )
  })

  it('rejects a tampered path, query parameter or expiry', async () => {
    const wire = toWire(await signer('s3').presign(s3Get(), { signingDate: AT, expiresIn: 900 }))
    await verifyRequest(wire, lookup, AT)
    const tampered = [
      { ...wire, path: '/my-bucket/reports/other.pdf' },
      { ...wire, query: wire.query.replace('r.pdf', 'x.pdf') },
      { ...wire, query: wire.query.replace('X-Amz-Expires=900', 'X-Amz-Expires=901') },
      { ...wire, query: `${wire.query}&extra=1` },
      { ...wire, headers: { host: 'evil:9000' } },
    ]
    for (const req of tampered) await assert.rejects(verifyRequest(req, lookup, AT), code('InvalidSignatureException', /^The request signature/))
  })

  it('rejects malformed presign parameters and mixed mechanisms', async () => {
    const wire = toWire(await signer('s3').presign(s3Get(), { signingDate: AT, expiresIn: 900 }))
    await assert.rejects(
      verifyRequest({ ...wire, query: wire.query.replace(/X-Amz-SignedHeaders=[^&]*&?/, '') }, lookup, AT),
      code('AuthorizationQueryParametersError', /requires the X-Amz-Algorithm, X-Amz-Credential/, 400),
    )
    await assert.rejects(
      verifyRequest({ ...wire, query: wire.query.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801') }, lookup, AT),
      code('AuthorizationQueryParametersError', 'X-Amz-Expires must be less than a week (in seconds) that is 604800'),
    )
    await assert.rejects(
      verifyRequest({ ...wire, query: wire.query.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256') }, lookup, AT),
      code('AuthorizationQueryParametersError', /only supports "AWS4-HMAC-SHA256"/),
    )
    await assert.rejects(
      verifyRequest({ ...wire, headers: { ...wire.headers, authorization: 'AWS4-HMAC-SHA256 x=y' } }, lookup, AT),
      code('InvalidArgument', /^Only one auth mechanism allowed/),
    )
    await assert.rejects(
      verifyRequest({ ...wire, query: wire.query.replace(`${AKID}%2F`, 'AKIDNOBODY%2F') }, lookup, AT),
      code('UnrecognizedClientException'),
    )
  })

  it('accepts a URL from `aws s3 presign` (botocore) configured for s3v4', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const req = presignWithCli('s3v4')
    assert.match(req.query, /X-Amz-Algorithm=AWS4-HMAC-SHA256/)
    const caller = await verifyRequest(req, lookup, new Date())
    assert.equal(caller.region, 'ap-northeast-1')
    assert.equal(caller.service, 's3')
    await assert.rejects(verifyRequest(req, lookup, new Date(Date.now() + 301_000)), code('AccessDenied'))
  })

  it('turns away the SigV2 URL `aws s3 presign` makes by default (CLI v1)', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const req = presignWithCli(undefined)
    assert.match(req.query, /AWSAccessKeyId=/)
    await assert.rejects(verifyRequest(req, lookup, new Date()), code('InvalidRequest', /Please use AWS4-HMAC-SHA256/, 400))
  })
})
