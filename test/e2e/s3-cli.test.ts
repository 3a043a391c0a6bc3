/**
 * S3 with the real AWS CLI (v1, botocore): high-level `aws s3` commands (multipart for large files,
 * sync, recursive delete), `aws s3api` for versioning, ranges, copies and explicit multipart, S3's
 * error codes, SigV4 failures and presigned URLs.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'

const cliMissing = !(await awsCliAvailable())
if (cliMissing) console.log(`# skipping AWS CLI tests: '${AWS}' is not installed`)

function sha256File(file: string): string {
  const hash = createHash('sha256')
  const fd = fs.openSync(file, 'r')
  const buf = Buffer.alloc(8 * 1024 * 1024)
  let n: number
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n))
  fs.closeSync(fd)
  return hash.digest('hex')
}

function writeRandomFile(file: string, size: number): void {
  const fd = fs.openSync(file, 'w')
  for (let written = 0; written < size; ) {
    const chunk = randomBytes(Math.min(8 * 1024 * 1024, size - written))
    fs.writeSync(fd, chunk)
    written += chunk.length
  }
  fs.closeSync(fd)
}

function xmlCode(body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1]
}

describe('S3 with the real AWS CLI', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  let work: string
  const ok = async (args: string[], options: Parameters<typeof aws>[2] = {}) => {
    const r = await aws(server, args, options)
    assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`)
    return r
  }

  before(async () => {
    server = await startTestServer()
    work = tempDir('s3cli')
  })
  after(async () => {
    await server?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('makes buckets, lists them, and refuses a second make with BucketAlreadyOwnedByYou', async () => {
    await ok(['s3', 'mb', 's3://cli-bucket'])
    await ok(['s3', 'mb', 's3://cli-other'])
    const listed = await ok(['s3', 'ls'])
    assert.match(listed.stdout, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cli-bucket\n/)
    assert.match(listed.stdout, /cli-other/)
    const again = await aws(server, ['s3api', 'create-bucket', '--bucket', 'cli-bucket'])
    assert.equal(again.errorCode, 'BucketAlreadyOwnedByYou', again.stderr)
    const bad = await aws(server, ['s3api', 'create-bucket', '--bucket', 'bad_name'])
    assert.equal(bad.errorCode, 'InvalidBucketName', bad.stderr)
    await ok(['s3', 'rb', 's3://cli-other'])
    assert.doesNotMatch((await ok(['s3', 'ls'])).stdout, /cli-other/)
  })

  it('copies a 200 MB file up (multipart) and down, byte for byte', async () => {
    const source = path.join(work, 'big.bin')
    writeRandomFile(source, 200 * 1000 * 1000)
    await ok(['s3', 'cp', source, 's3://cli-bucket/big/big.bin', '--no-progress'])
    const head = await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'big/big.bin'])
    assert.equal(head.json.ContentLength, 200 * 1000 * 1000)
    assert.match(head.json.ETag, /^"[0-9a-f]{32}-\d+"$/, 'a multipart ETag')
    const target = path.join(work, 'big.down')
    await ok(['s3', 'cp', 's3://cli-bucket/big/big.bin', target, '--no-progress'])
    assert.equal(sha256File(target), sha256File(source))
    fs.rmSync(source)
    fs.rmSync(target)
    await ok(['s3', 'rm', 's3://cli-bucket/big/big.bin'])
  })

  it('syncs a folder up and back, lists prefixes, removes recursively and removes the bucket', async () => {
    const tree = path.join(work, 'tree')
    const files: Record<string, string> = { 'top.txt': 'top', 'dir/a.txt': 'a', 'dir/sub/b.txt': 'b', 'space name/ü ñ.txt': 'unicode', 'plus+sign.txt': '+' }
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(tree, name)), { recursive: true })
      fs.writeFileSync(path.join(tree, name), content)
    }
    await ok(['s3', 'mb', 's3://cli-sync'])
    await ok(['s3', 'sync', tree, 's3://cli-sync/site', '--no-progress'])
    const top = await ok(['s3', 'ls', 's3://cli-sync/site/'])
    assert.match(top.stdout, /PRE dir\//)
    assert.match(top.stdout, /PRE space name\//)
    assert.match(top.stdout, / 3 top\.txt/)
    assert.match(top.stdout, /plus\+sign\.txt/)
    const all = await ok(['s3', 'ls', 's3://cli-sync', '--recursive'])
    assert.equal(all.stdout.trim().split('\n').length, 5)

    const back = path.join(work, 'back')
    await ok(['s3', 'sync', 's3://cli-sync/site', back, '--no-progress'])
    for (const [name, content] of Object.entries(files)) assert.equal(fs.readFileSync(path.join(back, name), 'utf8'), content, name)
    const again = await ok(['s3', 'sync', tree, 's3://cli-sync/site', '--no-progress'])
    assert.equal(again.stdout.trim(), '', 'nothing to sync the second time')

    const notEmpty = await aws(server, ['s3api', 'delete-bucket', '--bucket', 'cli-sync'])
    assert.equal(notEmpty.errorCode, 'BucketNotEmpty', notEmpty.stderr)
    await ok(['s3', 'rm', 's3://cli-sync', '--recursive', '--only-show-errors'])
    assert.equal((await ok(['s3', 'ls', 's3://cli-sync', '--recursive'])).stdout.trim(), '')
    await ok(['s3', 'rb', 's3://cli-sync'])
    const gone = await aws(server, ['s3api', 'list-objects-v2', '--bucket', 'cli-sync'])
    assert.equal(gone.errorCode, 'NoSuchBucket', gone.stderr)
  })

  it('keeps versions: put twice, get the first by version id, list versions, delete markers', async () => {
    await ok(['s3', 'mb', 's3://cli-versions'])
    await ok(['s3api', 'put-bucket-versioning', '--bucket', 'cli-versions', '--versioning-configuration', 'Status=Enabled'])
    assert.equal((await ok(['s3api', 'get-bucket-versioning', '--bucket', 'cli-versions'])).json.Status, 'Enabled')
    const v1File = path.join(work, 'v1.txt')
    const v2File = path.join(work, 'v2.txt')
    fs.writeFileSync(v1File, 'first version')
    fs.writeFileSync(v2File, 'second version, longer')
    const put1 = await ok(['s3api', 'put-object', '--bucket', 'cli-versions', '--key', 'doc.txt', '--body', v1File])
    const put2 = await ok(['s3api', 'put-object', '--bucket', 'cli-versions', '--key', 'doc.txt', '--body', v2File])
    assert.ok(put1.json.VersionId && put2.json.VersionId && put1.json.VersionId !== put2.json.VersionId)

    const out = path.join(work, 'got-v1.txt')
    const got = await ok(['s3api', 'get-object', '--bucket', 'cli-versions', '--key', 'doc.txt', '--version-id', put1.json.VersionId, out])
    assert.equal(got.json.VersionId, put1.json.VersionId)
    assert.equal(fs.readFileSync(out, 'utf8'), 'first version')

    const del = await ok(['s3api', 'delete-object', '--bucket', 'cli-versions', '--key', 'doc.txt'])
    assert.equal(del.json.DeleteMarker, true)
    const versions = await ok(['s3api', 'list-object-versions', '--bucket', 'cli-versions'])
    assert.deepEqual(versions.json.Versions.map((v: { VersionId: string; IsLatest: boolean }) => [v.VersionId, v.IsLatest]), [
      [put2.json.VersionId, false],
      [put1.json.VersionId, false],
    ])
    assert.equal(versions.json.DeleteMarkers.length, 1)
    assert.equal(versions.json.DeleteMarkers[0].IsLatest, true)
    const missing = await aws(server, ['s3api', 'get-object', '--bucket', 'cli-versions', '--key', 'doc.txt', path.join(work, 'none')])
    assert.equal(missing.errorCode, 'NoSuchKey', missing.stderr)
    await ok(['s3api', 'delete-object', '--bucket', 'cli-versions', '--key', 'doc.txt', '--version-id', versions.json.DeleteMarkers[0].VersionId])
    assert.equal((await ok(['s3api', 'head-object', '--bucket', 'cli-versions', '--key', 'doc.txt'])).json.VersionId, put2.json.VersionId)
  })

  it('heads, ranges and copies objects', async () => {
    const file = path.join(work, 'digits.txt')
    fs.writeFileSync(file, '0123456789abcdefghij')
    await ok(['s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'data/digits.txt', '--body', file, '--content-type', 'text/plain', '--metadata', 'owner=alice,stage=test'])
    const head = await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'data/digits.txt'])
    assert.equal(head.json.ContentLength, 20)
    assert.equal(head.json.ContentType, 'text/plain')
    assert.equal(head.json.ETag, `"${createHash('md5').update('0123456789abcdefghij').digest('hex')}"`)
    assert.deepEqual(head.json.Metadata, { owner: 'alice', stage: 'test' })
    assert.match(head.json.LastModified, /GMT$/)

    const rangeOut = path.join(work, 'range.txt')
    const ranged = await ok(['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'data/digits.txt', '--range', 'bytes=0-9', rangeOut])
    assert.equal(fs.readFileSync(rangeOut, 'utf8'), '0123456789')
    assert.equal(ranged.json.ContentRange, 'bytes 0-9/20')
    const tailOut = path.join(work, 'tail.txt')
    await ok(['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'data/digits.txt', '--range', 'bytes=-5', tailOut])
    assert.equal(fs.readFileSync(tailOut, 'utf8'), 'fghij')
    const bad = await aws(server, ['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'data/digits.txt', '--range', 'bytes=50-60', path.join(work, 'x')])
    assert.equal(bad.errorCode, 'InvalidRange', bad.stderr)

    const copied = await ok(['s3api', 'copy-object', '--bucket', 'cli-bucket', '--key', 'copies/digits copy.txt', '--copy-source', 'cli-bucket/data/digits.txt'])
    assert.equal(copied.json.CopyObjectResult.ETag, head.json.ETag)
    const copyHead = await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'copies/digits copy.txt'])
    assert.deepEqual(copyHead.json.Metadata, { owner: 'alice', stage: 'test' })
    await ok(['s3', 'cp', 's3://cli-bucket/data/digits.txt', 's3://cli-bucket/copies/by-cp.txt'])
    const cpOut = path.join(work, 'cp.txt')
    await ok(['s3', 'cp', 's3://cli-bucket/copies/by-cp.txt', cpOut])
    assert.equal(fs.readFileSync(cpOut, 'utf8'), '0123456789abcdefghij')
  })

  it('runs an explicit multipart upload with s3api, and aborts another', async () => {
    const part1 = path.join(work, 'part1')
    const part2 = path.join(work, 'part2')
    writeRandomFile(part1, 5 * 1024 * 1024)
    fs.writeFileSync(part2, 'the last part may be small')
    const created = await ok(['s3api', 'create-multipart-upload', '--bucket', 'cli-bucket', '--key', 'mp/object.bin', '--content-type', 'application/x-test'])
    const uploadId = created.json.UploadId
    const e1 = (await ok(['s3api', 'upload-part', '--bucket', 'cli-bucket', '--key', 'mp/object.bin', '--upload-id', uploadId, '--part-number', '1', '--body', part1])).json.ETag
    const e2 = (await ok(['s3api', 'upload-part', '--bucket', 'cli-bucket', '--key', 'mp/object.bin', '--upload-id', uploadId, '--part-number', '2', '--body', part2])).json.ETag
    const partsFile = path.join(work, 'parts.json')
    fs.writeFileSync(partsFile, JSON.stringify({ Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] }))
    const done = await ok(['s3api', 'complete-multipart-upload', '--bucket', 'cli-bucket', '--key', 'mp/object.bin', '--upload-id', uploadId, '--multipart-upload', `file://${partsFile}`])
    const md5s = Buffer.concat([fs.readFileSync(part1), fs.readFileSync(part2)].map((b) => createHash('md5').update(b).digest()))
    assert.equal(done.json.ETag, `"${createHash('md5').update(md5s).digest('hex')}-2"`)
    assert.equal(done.json.Key, 'mp/object.bin')
    const out = path.join(work, 'mp.out')
    await ok(['s3', 'cp', 's3://cli-bucket/mp/object.bin', out, '--no-progress'])
    assert.equal(sha256File(out), createHash('sha256').update(Buffer.concat([fs.readFileSync(part1), fs.readFileSync(part2)])).digest('hex'))
    assert.equal((await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'mp/object.bin'])).json.ContentType, 'application/x-test')

    const other = (await ok(['s3api', 'create-multipart-upload', '--bucket', 'cli-bucket', '--key', 'mp/aborted'])).json.UploadId
    await ok(['s3api', 'upload-part', '--bucket', 'cli-bucket', '--key', 'mp/aborted', '--upload-id', other, '--part-number', '1', '--body', part2])
    await ok(['s3api', 'abort-multipart-upload', '--bucket', 'cli-bucket', '--key', 'mp/aborted', '--upload-id', other])
    const afterAbort = await aws(server, ['s3api', 'upload-part', '--bucket', 'cli-bucket', '--key', 'mp/aborted', '--upload-id', other, '--part-number', '2', '--body', part2])
    assert.equal(afterAbort.errorCode, 'NoSuchUpload', afterAbort.stderr)
    const tooSmall = (await ok(['s3api', 'create-multipart-upload', '--bucket', 'cli-bucket', '--key', 'mp/small'])).json.UploadId
    const s1 = (await ok(['s3api', 'upload-part', '--bucket', 'cli-bucket', '--key', 'mp/small', '--upload-id', tooSmall, '--part-number', '1', '--body', part2])).json.ETag
    fs.writeFileSync(partsFile, JSON.stringify({ Parts: [{ PartNumber: 1, ETag: s1 }, { PartNumber: 2, ETag: s1 }] }))
    const invalid = await aws(server, ['s3api', 'complete-multipart-upload', '--bucket', 'cli-bucket', '--key', 'mp/small', '--upload-id', tooSmall, '--multipart-upload', `file://${partsFile}`])
    assert.equal(invalid.errorCode, 'InvalidPart', invalid.stderr)
  })

  it('lists uploads in progress (prefix, delimiter, pages) and their parts, and forgets finished ones', async () => {
    await ok(['s3', 'mb', 's3://uploads-bucket'])
    const start = async (key: string) => (await ok(['s3api', 'create-multipart-upload', '--bucket', 'uploads-bucket', '--key', key])).json.UploadId as string
    const a1 = await start('logs/a.txt')
    const a2 = await start('logs/a.txt')
    const b = await start('logs/deep/b.txt')
    const top = await start('top.bin')
    const small = path.join(work, 'small-part')
    fs.writeFileSync(small, 'part data')
    const etags: string[] = []
    for (const n of [1, 2, 3]) etags.push((await ok(['s3api', 'upload-part', '--bucket', 'uploads-bucket', '--key', 'logs/a.txt', '--upload-id', a1, '--part-number', String(n), '--body', small])).json.ETag)

    const all = (await ok(['s3api', 'list-multipart-uploads', '--bucket', 'uploads-bucket'])).json
    assert.deepEqual(all.Uploads.map((u: { Key: string; UploadId: string }) => [u.Key, u.UploadId]), [['logs/a.txt', a1], ['logs/a.txt', a2], ['logs/deep/b.txt', b], ['top.bin', top]], 'by key, then by initiation')
    assert.ok(all.Uploads.every((u: { Initiated: string; StorageClass: string }) => !Number.isNaN(Date.parse(u.Initiated)) && u.StorageClass === 'STANDARD'))
    const paged = (await ok(['s3api', 'list-multipart-uploads', '--bucket', 'uploads-bucket', '--page-size', '1'])).json
    assert.equal(paged.Uploads.length, 4, 'the CLI follows NextKeyMarker / NextUploadIdMarker one upload at a time')
    const rolled = (await ok(['s3api', 'list-multipart-uploads', '--bucket', 'uploads-bucket', '--prefix', 'logs/', '--delimiter', '/'])).json
    assert.deepEqual(rolled.Uploads.map((u: { Key: string }) => u.Key), ['logs/a.txt', 'logs/a.txt'])
    assert.deepEqual(rolled.CommonPrefixes, [{ Prefix: 'logs/deep/' }])

    const parts = (await ok(['s3api', 'list-parts', '--bucket', 'uploads-bucket', '--key', 'logs/a.txt', '--upload-id', a1, '--page-size', '2'])).json
    assert.deepEqual(parts.Parts.map((p: { PartNumber: number; ETag: string; Size: number }) => [p.PartNumber, p.ETag, p.Size]), [[1, etags[0], 9], [2, etags[1], 9], [3, etags[2], 9]])
    const wrongKey = await aws(server, ['s3api', 'list-parts', '--bucket', 'uploads-bucket', '--key', 'top.bin', '--upload-id', a1])
    assert.equal(wrongKey.errorCode, 'NoSuchUpload', wrongKey.stderr)

    for (const [key, id] of [['logs/a.txt', a2], ['logs/deep/b.txt', b], ['top.bin', top]] as const) await ok(['s3api', 'abort-multipart-upload', '--bucket', 'uploads-bucket', '--key', key, '--upload-id', id])
    const partsFile = path.join(work, 'upload-parts.json')
    fs.writeFileSync(partsFile, JSON.stringify({ Parts: [{ PartNumber: 1, ETag: etags[0] }] }))
    await ok(['s3api', 'complete-multipart-upload', '--bucket', 'uploads-bucket', '--key', 'logs/a.txt', '--upload-id', a1, '--multipart-upload', `file://${partsFile}`])
    const none = (await ok(['s3api', 'list-multipart-uploads', '--bucket', 'uploads-bucket'])).json
    assert.equal(none.Uploads, undefined, 'completed and aborted uploads are gone')
    const missing = await aws(server, ['s3api', 'list-multipart-uploads', '--bucket', 'no-such-uploads-bucket'])
    assert.equal(missing.errorCode, 'NoSuchBucket', missing.stderr)
  })

  it('answers with S3 error codes', async () => {
    await ok(['s3', 'mb', 's3://cli-errors'])
    await ok(['s3api', 'put-object', '--bucket', 'cli-errors', '--key', 'present'])
    const noBucket = await aws(server, ['s3api', 'list-objects-v2', '--bucket', 'no-such-bucket'])
    assert.equal(noBucket.errorCode, 'NoSuchBucket', noBucket.stderr)
    const noKey = await aws(server, ['s3api', 'get-object', '--bucket', 'cli-errors', '--key', 'nope', path.join(work, 'nope')])
    assert.equal(noKey.errorCode, 'NoSuchKey', noKey.stderr)
    const headMissing = await aws(server, ['s3api', 'head-object', '--bucket', 'cli-errors', '--key', 'nope'])
    assert.match(headMissing.stderr, /\(404\)/)
    const big = path.join(work, 'six-mib.bin')
    writeRandomFile(big, 6 * 1024 * 1024)
    const putMissing = await aws(server, ['s3api', 'put-object', '--bucket', 'no-such-bucket', '--key', 'k', '--body', big])
    assert.equal(putMissing.errorCode, 'NoSuchBucket', putMissing.stderr)
    const cpMissing = await aws(server, ['s3', 'cp', big, 's3://no-such-bucket/k', '--no-progress'])
    assert.match(cpMissing.stderr, /NoSuchBucket/)
    const notEmpty = await aws(server, ['s3', 'rb', 's3://cli-errors'])
    assert.match(notEmpty.stderr, /BucketNotEmpty/)
  })

  it('refuses a wrong secret (SignatureDoesNotMatch) and an unknown key (InvalidAccessKeyId)', async () => {
    await ok(['s3', 'mb', 's3://cli-auth'])
    const file = path.join(work, 'forged.txt')
    fs.writeFileSync(file, 'forged')
    const wrongSecret = await aws(server, ['s3', 'ls'], { env: { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong-secret' } })
    assert.equal(wrongSecret.errorCode, 'SignatureDoesNotMatch', wrongSecret.stderr)
    const unknown = await aws(server, ['s3api', 'list-buckets'], { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN00', AWS_SECRET_ACCESS_KEY: 'whatever' } })
    assert.equal(unknown.errorCode, 'InvalidAccessKeyId', unknown.stderr)
    const put = await aws(server, ['s3api', 'put-object', '--bucket', 'cli-auth', '--key', 'forged', '--body', file], {
      env: { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong-secret' },
    })
    assert.equal(put.errorCode, 'SignatureDoesNotMatch', put.stderr)
    assert.equal((await aws(server, ['s3api', 'head-object', '--bucket', 'cli-auth', '--key', 'forged'])).code === 0, false)
  })

  it('serves presigned URLs to plain fetch and refuses tampered or unsigned ones', async () => {
    const file = path.join(work, 'presign.txt')
    fs.writeFileSync(file, '0123456789abcdefghij')
    await ok(['s3', 'mb', 's3://cli-presign'])
    await ok(['s3', 'cp', file, 's3://cli-presign/data/digits.txt'])
    const presigned = await ok(['s3', 'presign', 's3://cli-presign/data/digits.txt', '--expires-in', '300'])
    const url = presigned.stdout.trim()
    assert.match(url, /X-Amz-Signature=/)
    const res = await fetch(url)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), '0123456789abcdefghij')
    assert.equal(res.headers.get('etag'), `"${createHash('md5').update('0123456789abcdefghij').digest('hex')}"`)

    const tampered = url.replace('data/digits.txt', 'data/other.txt')
    const denied = await fetch(tampered)
    assert.equal(denied.status, 403)
    assert.equal(xmlCode(await denied.text()), 'SignatureDoesNotMatch')
    const badSig = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)
    assert.equal((await fetch(badSig)).status, 403)

    const unsigned = await fetch(`${server.url}/cli-presign/data/digits.txt`)
    assert.equal(unsigned.status, 403)
    assert.equal(xmlCode(await unsigned.text()), 'AccessDenied')
    const listing = await fetch(`${server.url}/`)
    assert.equal(listing.status, 403)
  })
})
