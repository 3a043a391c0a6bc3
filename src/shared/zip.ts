import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Readable, Writable } from 'node:stream'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { type ArchiveLimits, checkArchiveSize, processArchiveLimits } from './input-limits.ts'

/** A zip entry that would land outside the destination (`../`, absolute paths): refused. */
export class UnsafeZipEntry extends Error {
  constructor(name: string) {
    super(`zip entry '${name}' would be written outside the destination`)
    this.name = 'UnsafeZipEntry'
  }
}

function safeTarget(dest: string, entryName: string): string {
  const name = entryName.replaceAll('\\', '/')
  const target = path.resolve(dest, name)
  if (name.startsWith('/') || (target !== dest && !target.startsWith(dest + path.sep))) throw new UnsafeZipEntry(entryName)
  return target
}

/**
 * Extracts a zip file into `dest`, streaming each entry. Refuses (before writing anything) any entry
 * that would escape `dest`, and a zip with more entries or more unpacked bytes than `limits` allow
 * (yauzl holds each entry to its declared size). Keeps the Unix file mode when the zip records one.
 */
export async function extractZipFile(zipFile: string, dest: string, limits: ArchiveLimits = processArchiveLimits()): Promise<number> {
  const root = path.resolve(dest)
  fs.mkdirSync(root, { recursive: true })
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(err ?? new Error('bad zip')) : resolve(z))),
  )
  const entries: yauzl.Entry[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push(entry)
        zip.readEntry()
      })
      zip.on('end', resolve)
      // yauzl validates names itself: report its refusals as the unsafe entries they are.
      zip.on('error', (err: Error) => {
        const m = /^(?:invalid relative path|absolute path): (.*)$/.exec(err.message)
        reject(m ? new UnsafeZipEntry(m[1] ?? '') : err)
      })
      zip.readEntry()
    })
    for (const e of entries) safeTarget(root, e.fileName)
    checkArchiveSize(entries.map((e) => ({ size: e.uncompressedSize })), limits)
  } catch (err) {
    zip.close()
    throw err
  }
  try {
    for (const entry of entries) {
      const target = safeTarget(root, entry.fileName)
      if (entry.fileName.endsWith('/')) {
        fs.mkdirSync(target, { recursive: true })
        continue
      }
      fs.mkdirSync(path.dirname(target), { recursive: true })
      const mode = (entry.externalFileAttributes >>> 16) & 0o777
      const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err || !s ? reject(err ?? new Error('unreadable entry')) : resolve(s))))
      await pipeline(stream, fs.createWriteStream(target, { mode: mode || 0o644 }))
      if (mode) fs.chmodSync(target, mode)
    }
  } finally {
    zip.close()
  }
  return entries.length
}

/** Writes a zip of `files` (archive path → file on disk) to `out`, streaming; symlinks kept if asked. */
export async function writeZip(files: { archivePath: string; sourcePath: string }[], out: Writable, options: { keepSymlinks?: boolean } = {}): Promise<void> {
  const zip = new yazl.ZipFile()
  const done = pipeline(zip.outputStream, out)
  for (const f of files) {
    const stat = fs.lstatSync(f.sourcePath)
    if (stat.isSymbolicLink() && options.keepSymlinks) {
      zip.addBuffer(Buffer.from(fs.readlinkSync(f.sourcePath)), f.archivePath, { mode: 0o120777, mtime: stat.mtime })
    } else if (stat.isDirectory()) {
      zip.addEmptyDirectory(f.archivePath, { mtime: stat.mtime })
    } else {
      zip.addFile(f.sourcePath, f.archivePath, { mode: fs.statSync(f.sourcePath).mode, mtime: stat.mtime })
    }
  }
  zip.end()
  await done
}
