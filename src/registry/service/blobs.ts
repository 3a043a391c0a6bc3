import { createHash, randomUUID } from 'node:crypto'
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { BlobRecord, UploadChunk, UploadRecord } from '../records.ts'
import { RegistryErrors as E } from '../errors.ts'
import { isDigest } from '../model/names.ts'
import { type RegistryContext } from './context.ts'
import { requireRepository } from './repositories.ts'

/**
 * Blob uploads (the distribution API's POST/PATCH/PUT, ECR's Initiate/UploadLayerPart/Complete):
 * each chunk streams into its own object while its SHA-256 is computed; completing an upload of one
 * chunk whose digest is the one claimed keeps that object as the blob (no copy); several chunks are
 * joined once. The blob table maps each digest to one object, whichever upload stored it first.
 */

/** Counts and hashes what streams through. */
class Digesting extends Transform {
  readonly hash = createHash('sha256')
  size = 0
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    done(null, chunk)
  }
}

const chunkKey = (uploadId: string, index: number): string => `blobs/${uploadId}/${index}`
export const uploadedSize = (u: UploadRecord): number => u.chunks.reduce((sum, c) => sum + c.size, 0)

export async function startUpload(ctx: RegistryContext, repository: string): Promise<UploadRecord> {
  await requireRepository(ctx, repository)
  const upload: UploadRecord = { id: randomUUID(), repository, startedAt: ctx.clock.now(), chunks: [] }
  await ctx.store.registry.insertUpload(upload)
  return upload
}

export async function requireUpload(ctx: RegistryContext, repository: string, id: string): Promise<UploadRecord> {
  const upload = /^[0-9a-f-]{36}$/.test(id) ? await ctx.store.registry.getUpload(id) : undefined
  if (!upload || upload.repository !== repository) throw E.uploadNotFound(id)
  return upload
}

/**
 * Appends a chunk that starts at `offset` (the size so far when the client names none). A chunk at
 * any other offset, or one raced by another append, is refused and leaves the upload as it was.
 */
export async function appendChunk(ctx: RegistryContext, repository: string, id: string, body: Readable, offset?: number): Promise<UploadRecord> {
  const upload = await requireUpload(ctx, repository, id)
  const size = uploadedSize(upload)
  if (offset !== undefined && offset !== size) {
    body.resume()
    throw E.invalidRange(`The chunk starts at ${offset}, but ${size} bytes have been uploaded`)
  }
  const index = upload.chunks.length
  const key = chunkKey(id, index)
  const digesting = new Digesting()
  const through = new PassThrough()
  const stored = ctx.objects.putObject(ctx.bucket, key, through)
  await Promise.all([pipeline(body, digesting, through), stored])
  if (digesting.size === 0) {
    await ctx.objects.deleteObject(ctx.bucket, key).catch(() => undefined)
    return upload
  }
  const chunk: UploadChunk = { key, size: digesting.size, sha256: digesting.hash.digest('hex') }
  const next = await ctx.store.transaction(async (tx) => {
    const now = await tx.registry.getUpload(id)
    if (!now || now.chunks.length !== index) return undefined
    const updated = { ...now, chunks: [...now.chunks, chunk] }
    await tx.registry.updateUpload(updated)
    return updated
  }, { lock: `registry-upload:${id}` })
  if (!next) {
    await ctx.objects.deleteObject(ctx.bucket, key).catch(() => undefined)
    throw E.invalidRange(`Another chunk was appended to upload ${id} at the same time`)
  }
  return next
}

/** Joins several chunks into one object, hashing as it goes. */
async function joinChunks(ctx: RegistryContext, upload: UploadRecord): Promise<UploadChunk> {
  const key = `blobs/${upload.id}/joined`
  const digesting = new Digesting()
  const through = new PassThrough()
  async function* parts(): AsyncGenerator<Buffer> {
    for (const c of upload.chunks) {
      const { body } = await ctx.objects.getObject(ctx.bucket, c.key)
      for await (const piece of body) yield piece as Buffer
    }
  }
  await Promise.all([pipeline(Readable.from(parts()), digesting, through), ctx.objects.putObject(ctx.bucket, key, through)])
  return { key, size: digesting.size, sha256: digesting.hash.digest('hex') }
}

/**
 * Completes an upload as blob `digest` (after appending `body`, if any). A digest that does not
 * match the bytes ends the upload and is refused; the blob is linked to the repository.
 */
export async function completeUpload(ctx: RegistryContext, repository: string, id: string, digest: string, body?: Readable): Promise<BlobRecord> {
  if (!isDigest(digest)) {
    body?.resume()
    throw E.invalidLayer(`The digest ${digest} is not a sha256 digest`)
  }
  let upload = body ? await appendChunk(ctx, repository, id, body) : await requireUpload(ctx, repository, id)
  let whole: UploadChunk
  if (upload.chunks.length === 1) whole = upload.chunks[0]!
  else if (upload.chunks.length === 0) {
    const key = chunkKey(id, 0)
    await ctx.objects.putObject(ctx.bucket, key, Readable.from([]))
    whole = { key, size: 0, sha256: createHash('sha256').digest('hex') }
    upload = { ...upload, chunks: [whole] }
  } else whole = await joinChunks(ctx, upload)
  const surplus = upload.chunks.filter((c) => c.key !== whole.key).map((c) => c.key)
  if (`sha256:${whole.sha256}` !== digest) {
    await ctx.store.registry.deleteUpload(id)
    await removeObjects(ctx, [...surplus, whole.key])
    throw E.invalidLayer(`The digest ${digest} does not match the uploaded content (sha256:${whole.sha256})`)
  }
  const blob: BlobRecord = { digest, objectKey: whole.key, size: whole.size, createdAt: ctx.clock.now() }
  const stored = await ctx.store.transaction(async (tx) => {
    const fresh = await tx.registry.insertBlob(blob)
    await tx.registry.linkBlob(repository, digest)
    await tx.registry.deleteUpload(id)
    return fresh ? blob : (await tx.registry.getBlob(digest))!
  }, { lock: `registry-upload:${id}` })
  await removeObjects(ctx, stored.objectKey === whole.key ? surplus : [...surplus, whole.key])
  return stored
}

/** Ends an upload and removes what it stored. */
export async function cancelUpload(ctx: RegistryContext, repository: string, id: string): Promise<void> {
  const upload = await requireUpload(ctx, repository, id)
  await ctx.store.registry.deleteUpload(id)
  await removeObjects(ctx, upload.chunks.map((c) => c.key))
}

async function removeObjects(ctx: RegistryContext, keys: string[]): Promise<void> {
  for (const key of keys) await ctx.objects.deleteObject(ctx.bucket, key).catch(() => undefined)
}

/** A blob the repository holds, or undefined. */
export async function findBlob(ctx: RegistryContext, repository: string, digest: string): Promise<BlobRecord | undefined> {
  if (!isDigest(digest) || !(await ctx.store.registry.isLinked(repository, digest))) return undefined
  return ctx.store.registry.getBlob(digest)
}

/** Cross-repository mount: links a blob of `from` into `repository`; false when `from` does not hold it. */
export async function mountBlob(ctx: RegistryContext, repository: string, digest: string, from: string): Promise<BlobRecord | undefined> {
  await requireRepository(ctx, repository)
  const blob = await findBlob(ctx, from, digest)
  if (!blob) return undefined
  await ctx.store.registry.linkBlob(repository, digest)
  return blob
}

/** Abandoned uploads (started over a day ago): removed with their chunks. */
export async function pruneUploads(ctx: RegistryContext): Promise<number> {
  const stale = await ctx.store.registry.staleUploads(new Date(ctx.clock.now().getTime() - 24 * 60 * 60 * 1000))
  for (const u of stale) {
    await ctx.store.registry.deleteUpload(u.id)
    await removeObjects(ctx, u.chunks.map((c) => c.key))
  }
  return stale.length
}
