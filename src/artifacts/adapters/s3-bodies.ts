/**
 * Request and response bodies of the S3 adapter: a put's body counted on its way to `Upload` (which
 * sends it in parts, holding at most a few parts in memory); an uploaded part's length learned before
 * it is sent (S3 refuses a body of unknown length), in memory when small, else through a temp file;
 * and the `Range` header both ways.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'

/** Parts up to this size are held in memory to learn their length; larger ones go through a temp file. */
const PART_MEMORY_LIMIT = 8 * 1024 * 1024

const asBuffer = (chunk: unknown): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string))

/**
 * Passes `body` through unchanged, counting its bytes and remembering its error, so that the caller can
 * report the size and prefer the body's own error to whatever the upload failed with afterwards.
 */
export function countedBody(body: Readable): { stream: Readable; size(): number; failure(): unknown } {
  let size = 0
  let failure: unknown
  async function* pass(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) {
        const bytes = asBuffer(chunk)
        size += bytes.length
        yield bytes
      }
    } catch (error) {
      failure = error
      throw error
    }
  }
  return { stream: Readable.from(pass(), { objectMode: false }), size: () => size, failure: () => failure }
}

export type SizedBody = { body: Buffer | Readable; size: number; dispose(): Promise<void> }

/** Reads `body` to its end to learn its length: kept in memory up to a limit, else written to a temp file. */
export async function sizedBody(body: Readable, memoryLimit = PART_MEMORY_LIMIT): Promise<SizedBody> {
  const chunks: Buffer[] = []
  let size = 0
  let spool: { dir: string; file: string; handle: fsp.FileHandle } | undefined
  try {
    for await (const chunk of body) {
      const bytes = asBuffer(chunk)
      size += bytes.length
      if (spool) {
        await spool.handle.write(bytes)
        continue
      }
      chunks.push(bytes)
      if (size > memoryLimit) {
        const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'slipway-s3-part-'))
        const file = path.join(dir, 'part')
        spool = { dir, file, handle: await fsp.open(file, 'wx', 0o600) }
        for (const held of chunks.splice(0)) await spool.handle.write(held)
      }
    }
    if (!spool) return { body: Buffer.concat(chunks), size, dispose: async () => undefined }
    await spool.handle.close()
    const { dir, file } = spool
    const stream = fs.createReadStream(file)
    const dispose = async () => {
      stream.destroy()
      await fsp.rm(dir, { recursive: true, force: true })
    }
    return { body: stream, size, dispose }
  } catch (error) {
    if (spool) {
      await spool.handle.close().catch(() => undefined)
      await fsp.rm(spool.dir, { recursive: true, force: true })
    }
    throw error
  }
}

/** The `Range` header for an inclusive range, or `undefined` when it can only be unsatisfiable. */
export function rangeHeader(range: { start: number; end?: number }): string | undefined {
  const { start, end } = range
  if (!Number.isSafeInteger(start) || start < 0) return undefined
  if (end === undefined) return `bytes=${start}-`
  if (!Number.isSafeInteger(end) || end < start) return undefined
  return `bytes=${start}-${end}`
}

/** `Content-Range: bytes <start>-<end>/<size>` as numbers (size `undefined` when the service sent `*`). */
export function parseContentRange(header: string | undefined): { start: number; end: number; size?: number } | undefined {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null
  if (!m) return undefined
  return { start: Number(m[1]), end: Number(m[2]), ...(m[3] !== '*' ? { size: Number(m[3]) } : {}) }
}
