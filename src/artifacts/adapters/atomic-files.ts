/**
 * Crash-safe file writes for the folder object store: content is streamed to a temp file in the same
 * filesystem, flushed to disk, then renamed into place, and the directory entry is flushed too. A
 * reader therefore sees the old file or the new one, never a partial one, also after a crash.
 */
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export type TempFile = { file: string; size: number; md5: Buffer }

/**
 * Streams `body` into a new temp file under `tmpDir`, computing its size and MD5 on the way; the file
 * is flushed to disk before this resolves. On any error (including the body stream's) the temp file is
 * removed and the error rethrown.
 */
export async function streamToTemp(tmpDir: string, body: Readable | AsyncIterable<Buffer>): Promise<TempFile> {
  const file = path.join(tmpDir, `${randomUUID()}.tmp`)
  const md5 = createHash('md5')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk)
      size += chunk.length
      callback(null, chunk)
    },
  })
  try {
    await pipeline(body, meter, fs.createWriteStream(file, { flags: 'wx', mode: 0o600, flush: true }))
  } catch (error) {
    await fsp.rm(file, { force: true })
    throw error
  }
  return { file, size, md5: md5.digest() }
}

/** Concatenates `files` (streamed, in order) into a new temp file. */
export function concatToTemp(tmpDir: string, files: readonly string[]): Promise<TempFile> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const file of files) yield* fs.createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>
  }
  return streamToTemp(tmpDir, Readable.from(chunks(), { objectMode: false }))
}

/** Flushes a directory's entries (new, renamed or removed files) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Renames a (flushed) temp file to `dest`, creating its folder, and flushes the folder. */
export async function moveIntoPlace(tmpFile: string, dest: string): Promise<void> {
  const dir = path.dirname(dest)
  await fsp.mkdir(dir, { recursive: true })
  await fsp.rename(tmpFile, dest)
  await fsyncDir(dir)
}

/** Writes `value` as JSON to `dest` atomically (temp file in `tmpDir`, flush, rename, flush folder). */
export async function writeJsonAtomic(tmpDir: string, dest: string, value: unknown): Promise<void> {
  const tmp = path.join(tmpDir, `${randomUUID()}.json.tmp`)
  try {
    await fsp.writeFile(tmp, JSON.stringify(value), { flag: 'wx', mode: 0o600, flush: true })
    await moveIntoPlace(tmp, dest)
  } catch (error) {
    await fsp.rm(tmp, { force: true })
    throw error
  }
}

/** Removes a file and flushes its folder; a file that is already gone is fine. */
export async function removeFile(file: string): Promise<void> {
  try {
    await fsp.unlink(file)
  } catch (error) {
    if (isNotFound(error)) return
    throw error
  }
  await fsyncDir(path.dirname(file))
}

/** Reads and parses a JSON file; `undefined` when it does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

export function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
