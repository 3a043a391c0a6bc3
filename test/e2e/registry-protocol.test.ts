import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/**
 * The distribution API's edges that docker and skopeo do not exercise: chunked and resumable uploads,
 * cross-repository mounts, range reads, tag paging, and the spec's error codes, spoken over plain HTTP
 * as the OCI distribution spec writes them.
 */
describe('registry protocol (OCI distribution spec)', () => {
  let server: TestServer
  let auth: string

  before(async () => {
    server = await startTestServer({ extraArgs: ['--no-runner', '--no-agent'] })
    for (const name of ['proto/one', 'proto/two']) assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', name])).code, 0)
    const token = await aws(server, ['ecr', 'get-authorization-token'])
    assert.equal(token.code, 0, token.stderr)
    auth = `Basic ${token.json.authorizationData[0].authorizationToken}`
    assert.equal(token.json.authorizationData[0].proxyEndpoint, server.url)
  })

  after(async () => {
    await server?.stop()
  })

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: auth, ...(init.headers as Record<string, string> | undefined) } })
  const errorCode = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors[0]!.code

  it('takes a blob in chunks, tells a client where to resume, refuses an out-of-order chunk, and verifies the digest', async () => {
    const blob = Buffer.alloc(300_000, 7)
    blob.write('distinct content', 0)
    const started = await call('/v2/proto/one/blobs/uploads/', { method: 'POST' })
    assert.equal(started.status, 202)
    const location = started.headers.get('location')!
    assert.match(location, /^\/v2\/proto\/one\/blobs\/uploads\/[0-9a-f-]{36}$/)
    assert.equal(started.headers.get('range'), '0-0')

    let res = await call(location, { method: 'PATCH', body: blob.subarray(0, 100_000), headers: { 'content-type': 'application/octet-stream', 'content-range': '0-99999' } })
    assert.equal(res.status, 202)
    assert.equal(res.headers.get('range'), '0-99999')
    res = await call(location, { method: 'PATCH', body: blob.subarray(150_000), headers: { 'content-range': '150000-299999' } })
    assert.equal(res.status, 416, 'a chunk that does not start where the upload ends is refused')
    res = await call(location)
    assert.equal(res.status, 204)
    assert.equal(res.headers.get('range'), '0-99999', 'the client learns where to resume')
    res = await call(location, { method: 'PATCH', body: blob.subarray(100_000, 200_000), headers: { 'content-range': '100000-199999' } })
    assert.equal(res.status, 202)

    const wrong = await call(`${location}?digest=${sha(Buffer.from('other'))}`, { method: 'PUT', body: blob.subarray(200_000) })
    assert.equal(wrong.status, 400)
    assert.equal(await errorCode(wrong), 'DIGEST_INVALID')
    assert.equal((await call(location)).status, 404, 'a failed completion ends the upload')

    // Again, completing with the last chunk in the PUT.
    const again = (await call('/v2/proto/one/blobs/uploads/', { method: 'POST' })).headers.get('location')!
    await call(again, { method: 'PATCH', body: blob.subarray(0, 123_456) })
    const done = await call(`${again}?digest=${sha(blob)}`, { method: 'PUT', body: blob.subarray(123_456) })
    assert.equal(done.status, 201)
    assert.equal(done.headers.get('docker-content-digest'), sha(blob))
    const got = await call(`/v2/proto/one/blobs/${sha(blob)}`)
    assert.equal(got.status, 200)
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(blob))
    const part = await call(`/v2/proto/one/blobs/${sha(blob)}`, { headers: { range: 'bytes=10-19' } })
    assert.equal(part.status, 206)
    assert.equal(Buffer.from(await part.arrayBuffer()).toString(), blob.subarray(10, 20).toString())
    const head = await call(`/v2/proto/one/blobs/${sha(blob)}`, { method: 'HEAD' })
    assert.equal(head.headers.get('content-length'), String(blob.length))
  })

  it('mounts a blob from another repository, and keeps blobs of one repository from another', async () => {
    const blob = Buffer.from('mounted layer')
    const put = await call(`/v2/proto/one/blobs/uploads/?digest=${sha(blob)}`, { method: 'POST', body: blob })
    assert.equal(put.status, 201, 'a monolithic POST')
    const unknown = await call(`/v2/proto/two/blobs/${sha(blob)}`)
    assert.equal(unknown.status, 404)
    assert.equal(await errorCode(unknown), 'BLOB_UNKNOWN')
    const mounted = await call(`/v2/proto/two/blobs/uploads/?mount=${sha(blob)}&from=proto/one`, { method: 'POST' })
    assert.equal(mounted.status, 201)
    assert.equal((await call(`/v2/proto/two/blobs/${sha(blob)}`, { method: 'HEAD' })).status, 200)
    const notThere = await call(`/v2/proto/two/blobs/uploads/?mount=${sha(Buffer.from('nope'))}&from=proto/one`, { method: 'POST' })
    assert.equal(notThere.status, 202, 'an impossible mount starts an ordinary upload')
  })

  it('refuses a manifest that names blobs the repository lacks, stores one that names only its own, and pages tags', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
    const manifest = (c: Buffer) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(c), size: c.length }, layers: [] }))
    const headers = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }
    let res = await call('/v2/proto/one/manifests/first', { method: 'PUT', body: manifest(config), headers })
    assert.equal(res.status, 400)
    assert.equal(await errorCode(res), 'MANIFEST_BLOB_UNKNOWN')
    assert.equal((await call(`/v2/proto/one/blobs/uploads/?digest=${sha(config)}`, { method: 'POST', body: config })).status, 201)
    res = await call('/v2/proto/one/manifests/first', { method: 'PUT', body: manifest(config), headers })
    assert.equal(res.status, 201)
    const digest = res.headers.get('docker-content-digest')!
    assert.equal(digest, sha(manifest(config)))
    res = await call(`/v2/proto/one/manifests/${sha(Buffer.from('x'))}`, { method: 'PUT', body: manifest(config), headers })
    assert.equal(await errorCode(res), 'DIGEST_INVALID', 'a digest reference must match the bytes')
    res = await call('/v2/proto/one/manifests/bad', { method: 'PUT', body: Buffer.from('{"schemaVersion":2'), headers })
    assert.equal(await errorCode(res), 'MANIFEST_INVALID')
    for (const tag of ['second', 'third']) assert.equal((await call(`/v2/proto/one/manifests/${tag}`, { method: 'PUT', body: manifest(config), headers })).status, 201)

    res = await call('/v2/proto/one/tags/list?n=2')
    assert.deepEqual(await res.json(), { name: 'proto/one', tags: ['first', 'second'] })
    assert.equal(res.headers.get('link'), '</v2/proto/one/tags/list?n=2&last=second>; rel="next"')
    res = await call('/v2/proto/one/tags/list?n=2&last=second')
    assert.deepEqual(await res.json(), { name: 'proto/one', tags: ['third'] })

    const got = await call('/v2/proto/one/manifests/first', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })
    assert.equal(got.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json')
    assert.equal(got.headers.get('docker-content-digest'), digest)
    assert.equal((await call('/v2/proto/one/manifests/missing')).status, 404)
    assert.equal(await errorCode(await call('/v2/proto/nope/manifests/first')), 'NAME_UNKNOWN')
    assert.equal(await errorCode(await call('/v2/Proto/Bad/manifests/first')), 'NAME_INVALID')

    assert.equal((await call(`/v2/proto/one/manifests/${digest}`, { method: 'DELETE' })).status, 202)
    assert.equal((await call('/v2/proto/one/manifests/second')).status, 404, 'deleting the image drops every tag')
    assert.equal(await errorCode(await call(`/v2/proto/one/blobs/${sha(config)}`, { method: 'DELETE' })), 'UNSUPPORTED')
  })
})
