/**
 * The real AWS CLI (botocore 1.43) uploads to S3 over HTTPS with `Content-Encoding: aws-chunked` and
 * `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER` (a CRC32 trailer). A bare HTTPS server
 * verifies the headers and decodes the body with the streaming decoder.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { verifyRequest } from '../../src/protocol/sigv4/verify-request.ts'
import type { KeyLookup } from '../../src/protocol/sigv4/verify-request.ts'
import { decodeChunkedPayload, isStreamingPayload } from '../../src/protocol/sigv4/chunked-payload.ts'

const AKID = 'AKIDSLIPWAYHTTPS0001'
const SECRET = 'https-secret'
const lookup: KeyLookup = async (id) =>
  id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'dave' } : undefined

const missing = spawnSync('aws', ['--version']).error
  ? 'the AWS CLI (`aws`) is not on PATH'
  : spawnSync('openssl', ['version']).error
    ? 'openssl is not on PATH (needed for a self-signed certificate)'
    : undefined

const dir = mkdtempSync(join(tmpdir(), 'sigv4-https-'))
const received: Array<{ contentSha256: string; sha256: string; length: number }> = []
let server: Server | undefined
let endpoint = ''

before(async () => {
  if (missing) return
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
  assert.equal(made.status, 0)
  server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const contentSha256 = String(req.headers['x-amz-content-sha256'])
    const reply = (status: number, code = '') => {
      res.writeHead(status, code ? { 'x-amz-error-code': code } : { etag: '"d41d8cd98f00b204e9800998ecf8427e"' })
      res.end()
    }
    verifyRequest(
      {
        method: req.method ?? 'GET',
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? '' : url.slice(q + 1),
        headers: req.headersDistinct,
        payloadHash: contentSha256,
      },
      lookup,
      new Date(),
    )
      .then(async (caller) => {
        assert.ok(isStreamingPayload(contentSha256))
        const hash = createHash('sha256')
        let length = 0
        const sink = new Writable({
          write(chunk: Buffer, _encoding, done) {
            hash.update(chunk)
            length += chunk.length
            done()
          },
        })
        const declared = Number(req.headers['x-amz-decoded-content-length'])
        await pipeline(req, decodeChunkedPayload({ contentSha256, context: caller, decodedContentLength: declared }), sink)
        received.push({ contentSha256, sha256: hash.digest('hex'), length })
        reply(200)
      })
      .catch((error: unknown) => {
        received.push({ contentSha256: `error ${(error as { code?: string }).code}`, sha256: '', length: 0 })
        reply(400, (error as { code?: string }).code)
      })
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => {
  server?.close()
  rmSync(dir, { recursive: true, force: true })
})

function aws(args: string[]): Promise<{ code: number; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ACCESS_KEY_ID: AKID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_DEFAULT_REGION: 'us-west-2',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    PYTHONWARNINGS: 'ignore',
  }
  return new Promise((resolve) => {
    execFile('aws', [...args, '--endpoint-url', endpoint, '--no-verify-ssl'], { env }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr })
    })
  })
}

describe('aws-chunked upload from the real AWS CLI over HTTPS', () => {
  it('verifies the request and decodes the body byte for byte', async (t) => {
    if (missing) return t.skip(missing)
    const data = randomBytes(2_500_000) // more than botocore's 1 MiB chunk
    const file = join(dir, 'upload.bin')
    writeFileSync(file, data)
    const out = await aws(['s3api', 'put-object', '--bucket', 'my-bucket', '--key', 'dir/upload.bin', '--body', file])
    assert.equal(out.code, 0, out.stderr)
    assert.deepEqual(received.at(-1), {
      contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      sha256: createHash('sha256').update(data).digest('hex'),
      length: data.length,
    })
  })
})
