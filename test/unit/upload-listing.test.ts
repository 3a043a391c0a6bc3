import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { listParts, listUploads, type UploadSummary } from '../../src/artifacts/model/upload-listing.ts'

const u = (key: string, uploadId: string, second: number): UploadSummary => ({ key, uploadId, initiated: `2026-11-24T10:00:${String(second).padStart(2, '0')}.000Z` })
const UPLOADS = [u('b', 'u3', 3), u('a', 'u2', 2), u('a', 'u1', 1), u('dir/x', 'u4', 4), u('dir/y', 'u5', 5), u('é', 'u6', 6)]
const ids = (p: { uploads: UploadSummary[] }) => p.uploads.map((x) => x.uploadId)

describe('multipart upload listing (pure)', () => {
  it('orders by key in UTF-8 binary order, then by initiation', () => {
    assert.deepEqual(ids(listUploads(UPLOADS, { prefix: '', maxUploads: 1000 })), ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'])
  })

  it('pages with key and upload-id markers: a key marker alone skips that key', () => {
    const first = listUploads(UPLOADS, { prefix: '', maxUploads: 1 })
    assert.deepEqual([ids(first), first.isTruncated, first.nextKeyMarker, first.nextUploadIdMarker], [['u1'], true, 'a', 'u1'])
    const second = listUploads(UPLOADS, { prefix: '', maxUploads: 2, keyMarker: 'a', uploadIdMarker: 'u1' })
    assert.deepEqual(ids(second), ['u2', 'u3'])
    assert.deepEqual(ids(listUploads(UPLOADS, { prefix: '', maxUploads: 10, keyMarker: 'a' })), ['u3', 'u4', 'u5', 'u6'])
    const last = listUploads(UPLOADS, { prefix: '', maxUploads: 10, keyMarker: 'dir/y', uploadIdMarker: 'u5' })
    assert.deepEqual([ids(last), last.isTruncated, last.nextKeyMarker], [['u6'], false, undefined])
  })

  it('rolls keys up into common prefixes that count toward the page and resume after the prefix', () => {
    const page = listUploads(UPLOADS, { prefix: '', delimiter: '/', maxUploads: 3 })
    assert.deepEqual([ids(page), page.commonPrefixes, page.isTruncated, page.nextKeyMarker, page.nextUploadIdMarker], [['u1', 'u2', 'u3'], [], true, 'b', 'u3'])
    const next = listUploads(UPLOADS, { prefix: '', delimiter: '/', maxUploads: 1, keyMarker: 'b' })
    assert.deepEqual([ids(next), next.commonPrefixes, next.isTruncated, next.nextKeyMarker, next.nextUploadIdMarker], [[], ['dir/'], true, 'dir/', undefined])
    const after = listUploads(UPLOADS, { prefix: '', delimiter: '/', maxUploads: 2, keyMarker: 'dir/' })
    assert.deepEqual([ids(after), after.commonPrefixes, after.isTruncated], [['u6'], [], false])
    assert.deepEqual(listUploads(UPLOADS, { prefix: 'dir/', maxUploads: 5 }).uploads.map((x) => x.key), ['dir/x', 'dir/y'])
  })

  it('lists parts after a part-number marker, in order, with the next marker when truncated', () => {
    const parts = [3, 1, 2, 10].map((n) => ({ partNumber: n, etag: `"e${n}"`, size: n, lastModified: '' }))
    const page = listParts(parts, 0, 2)
    assert.deepEqual([page.parts.map((p) => p.partNumber), page.isTruncated, page.nextPartNumberMarker], [[1, 2], true, 2])
    const rest = listParts(parts, 2, 2)
    assert.deepEqual([rest.parts.map((p) => p.partNumber), rest.isTruncated, rest.nextPartNumberMarker], [[3, 10], false, undefined])
  })
})
