/**
 * Unpacks a downloaded revision into `deployment-archive/`. Zip bundles go through `extractZipFile`
 * (which refuses escaping names); tar and tgz bundles are listed first and refused when any entry is
 * absolute, contains `..`, is a device/fifo, passes through a symlink, or is a link pointing outside;
 * only then does the system `tar` extract them. Nothing is ever written outside the archive dir.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { extractZipFile, UnsafeZipEntry } from '../shared/zip.ts'
import { listTarEntries, TarFormatError } from './tar-listing.ts'
import { type ArchiveLimits, ArchiveTooLarge, checkArchiveSize, processArchiveLimits } from '../shared/input-limits.ts'
import type { TarEntry } from './tar-listing.ts'

/** The bundle holds an entry that could land outside the archive dir, or one the agent will not create. */
export class UnsafeBundleEntry extends Error {
  readonly entry: string
  constructor(entry: string, why: string) {
    super(`The bundle was refused: entry '${entry}' ${why}`)
    this.name = 'UnsafeBundleEntry'
    this.entry = entry
  }
}

function segments(name: string): string[] {
  return name.split('/').filter((s) => s !== '' && s !== '.')
}

/**
 * Checks tar entries before extraction; throws `UnsafeBundleEntry` naming the first bad one.
 *
 * Rules: names are relative and free of `..`; only files, directories and links; no entry lives below
 * a symlink entry (so every link sits where its name says); a symlink's target is relative, climbs with
 * a leading run of `..` no higher than the archive root and never climbs again after a name; a hard
 * link names an earlier regular file of the archive.
 */
export function checkTarEntries(entries: readonly TarEntry[]): void {
  const symlinks = new Set<string>()
  for (const e of entries) if (e.type === 'symlink') symlinks.add(segments(e.name).join('/'))
  const files = new Set<string>()
  for (const e of entries) {
    if (e.name.startsWith('/')) throw new UnsafeBundleEntry(e.name, 'is an absolute path')
    const parts = segments(e.name)
    if (parts.includes('..')) throw new UnsafeBundleEntry(e.name, "contains '..'")
    if (parts.length === 0) {
      if (e.type === 'directory') continue
      throw new UnsafeBundleEntry(e.name, 'has no name')
    }
    if (e.type === 'other') throw new UnsafeBundleEntry(e.name, `has an unsupported type (typeflag '${e.typeflag.replace('\0', '\\0')}')`)
    for (let i = 1; i < parts.length; i++) {
      if (symlinks.has(parts.slice(0, i).join('/'))) throw new UnsafeBundleEntry(e.name, `lies below the symbolic link '${parts.slice(0, i).join('/')}'`)
    }
    const key = parts.join('/')
    if (e.type === 'symlink') {
      if (e.linkName.startsWith('/')) throw new UnsafeBundleEntry(e.name, `is a link pointing outside the bundle (to '${e.linkName}')`)
      const target = segments(e.linkName)
      const ups = target.findIndex((s) => s !== '..')
      const climbs = ups < 0 ? target.length : ups
      if (climbs > parts.length - 1 || target.slice(climbs).includes('..')) {
        throw new UnsafeBundleEntry(e.name, `is a link pointing outside the bundle (to '${e.linkName}')`)
      }
    } else if (e.type === 'hardlink') {
      const target = segments(e.linkName)
      if (e.linkName.startsWith('/') || target.includes('..') || !files.has(target.join('/'))) {
        throw new UnsafeBundleEntry(e.name, `is a hard link to '${e.linkName}', which is not a file of the bundle`)
      }
    } else if (e.type === 'file') {
      files.add(key)
    }
  }
}

function runTar(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed (exit ${code}): ${stderr.trim()}`))))
  })
}

/** What the file's first bytes say it is (zip, gzip, ustar tar), else what the deployment declared. */
function sniffFormat(file: string, declared: string | undefined): 'zip' | 'tar' | 'tgz' {
  const fd = fs.openSync(file, 'r')
  const head = Buffer.alloc(263)
  let n: number
  try {
    n = fs.readSync(fd, head, 0, head.length, 0)
  } finally {
    fs.closeSync(fd)
  }
  if (n >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'zip'
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tgz'
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar'
  return declared === 'zip' ? 'zip' : 'tar'
}

export type UnpackResult = { format: 'zip' | 'tar' | 'tgz'; strippedDirectory?: string }

/**
 * Replaces `archiveDir` with the bundle's contents. The format is sniffed from the file (the declared
 * `bundleType` is only a hint: `aws deploy push` always uploads zips). When the bundle holds exactly one
 * top-level directory that contains an appspec, that level is stripped, as the codedeploy-agent does.
 */
export async function unpackBundle(bundleFile: string, archiveDir: string, bundleType?: string, limits: ArchiveLimits = processArchiveLimits()): Promise<UnpackResult> {
  const dest = path.resolve(archiveDir)
  fs.rmSync(dest, { recursive: true, force: true })
  fs.mkdirSync(dest, { recursive: true })
  const format = sniffFormat(bundleFile, bundleType)
  if (format === 'zip') {
    try {
      await extractZipFile(bundleFile, dest, limits)
    } catch (err) {
      fs.rmSync(dest, { recursive: true, force: true })
      if (err instanceof UnsafeZipEntry) throw new UnsafeBundleEntry(/'(.*)'/.exec(err.message)?.[1] ?? '?', 'would be written outside the deployment archive')
      if (err instanceof ArchiveTooLarge) throw err
      throw new Error(`The bundle is not a readable zip file: ${(err as Error).message}`)
    }
  } else {
    let entries: TarEntry[]
    try {
      entries = await listTarEntries(bundleFile)
    } catch (err) {
      if (err instanceof TarFormatError) throw new Error(`The bundle is not a readable ${bundleType ?? format} file: ${err.message}`)
      throw err
    }
    checkTarEntries(entries)
    checkArchiveSize(entries, limits)
    await runTar(['-x', ...(format === 'tgz' ? ['-z'] : []), '-f', bundleFile, '-C', dest, '--no-same-owner'])
  }
  const stripped = stripSingleTopDirectory(dest)
  if (stripped.strippedDirectory !== undefined) {
    // A link may climb one level less now: check every link again against the new root.
    const escaping = linkLeavingRoot(dest)
    if (escaping) {
      fs.rmSync(dest, { recursive: true, force: true })
      fs.mkdirSync(dest, { recursive: true })
      throw new UnsafeBundleEntry(escaping.name, `is a link pointing outside the bundle (to '${escaping.target}') once its top-level directory '${stripped.strippedDirectory}' is stripped`)
    }
  }
  return { format, ...stripped }
}

/** The first symbolic link below `root` whose target (read as written, relative to its directory) lies outside `root`. */
function linkLeavingRoot(root: string): { name: string; target: string } | undefined {
  const visit = (dir: string): { name: string; target: string } | undefined => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isSymbolicLink()) {
        const target = fs.readlinkSync(full)
        const resolved = path.resolve(dir, target)
        if (path.isAbsolute(target) || (resolved !== root && !resolved.startsWith(root + path.sep))) return { name: path.relative(root, full), target }
      } else if (entry.isDirectory()) {
        const found = visit(full)
        if (found) return found
      }
    }
    return undefined
  }
  return visit(root)
}

function stripSingleTopDirectory(dest: string): { strippedDirectory?: string } {
  const top = fs.readdirSync(dest)
  if (top.length !== 1) return {}
  const only = path.join(dest, top[0] as string)
  if (!fs.lstatSync(only).isDirectory()) return {}
  if (!fs.readdirSync(only).some((n) => /appspec/i.test(n))) return {}
  const tmp = `${dest}-temp`
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.renameSync(dest, tmp)
  fs.renameSync(path.join(tmp, top[0] as string), dest)
  fs.rmdirSync(tmp)
  return { strippedDirectory: top[0] as string }
}
