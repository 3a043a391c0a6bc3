/**
 * Reads the entry headers of a tar or gzipped tar file (ustar, GNU long names, pax headers) without
 * extracting anything, so a bundle can be checked before the system `tar` is let loose on it.
 * Streams: data blocks are skipped, never buffered.
 */
import fs from 'node:fs'
import { createGunzip } from 'node:zlib'
import type { Readable } from 'node:stream'

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'

export type TarEntry = {
  name: string
  type: TarEntryType
  /** Target of a symlink or hard link. */
  linkName: string
  /** The raw typeflag, for messages about unsupported entries. */
  typeflag: string
  /** Bytes of data the entry holds. */
  size: number
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarFormatError'
  }
}

const BLOCK = 512
const MAX_META = 1024 * 1024

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8')
}

function numeric(buf: Buffer, start: number, length: number): number {
  const field = buf.subarray(start, start + length)
  if (((field[0] ?? 0) & 0x80) !== 0) {
    // GNU base-256: big-endian, first byte's top bit is the marker.
    let value = (field[0] ?? 0) & 0x7f
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0)
    return value
  }
  const text = cString(buf, start, length).trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad numeric field '${text}'`)
  return parseInt(text, 8)
}

function checksumOk(header: Buffer): boolean {
  const stored = numeric(header, 148, 8)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0)
  return sum === stored
}

/** `"<len> key=value\n"` records. */
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>()
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    if (space < 0) break
    const len = Number(data.subarray(pos, space).toString('ascii'))
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) throw new TarFormatError('bad pax header')
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8')
    const eq = record.indexOf('=')
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1))
    pos += len
  }
  return out
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file'
    case '5':
      return 'directory'
    case '2':
      return 'symlink'
    case '1':
      return 'hardlink'
    default:
      return 'other'
  }
}

async function openMaybeGzipped(file: string): Promise<Readable> {
  const fd = await fs.promises.open(file, 'r')
  const magic = Buffer.alloc(2)
  try {
    await fd.read(magic, 0, 2, 0)
  } finally {
    await fd.close()
  }
  const raw = fs.createReadStream(file)
  if (magic[0] === 0x1f && magic[1] === 0x8b) return raw.pipe(createGunzip())
  return raw
}

/** Lists every entry of a tar (or tar.gz) file. Throws `TarFormatError` on anything it cannot read. */
export async function listTarEntries(file: string): Promise<TarEntry[]> {
  const stream = await openMaybeGzipped(file)
  const entries: TarEntry[] = []
  let buf: Buffer = Buffer.alloc(0)
  let skip = 0
  let meta: { flag: string; size: number } | undefined
  let longName: string | undefined
  let longLink: string | undefined
  let pax: Map<string, string> | undefined
  let globalPax = new Map<string, string>()
  let ended = false

  const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (ended) continue
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      for (;;) {
        if (skip > 0) {
          const n = Math.min(skip, buf.length)
          buf = buf.subarray(n)
          skip -= n
          if (skip > 0) break
        }
        if (meta) {
          const total = padded(meta.size)
          if (buf.length < total) break
          const data = buf.subarray(0, meta.size)
          buf = buf.subarray(total)
          if (meta.flag === 'L') longName = cString(data, 0, data.length)
          else if (meta.flag === 'K') longLink = cString(data, 0, data.length)
          else if (meta.flag === 'x') pax = parsePax(data)
          else globalPax = new Map([...globalPax, ...parsePax(data)])
          meta = undefined
          continue
        }
        if (buf.length < BLOCK) break
        const header = buf.subarray(0, BLOCK)
        buf = buf.subarray(BLOCK)
        if (header.every((b) => b === 0)) {
          ended = true
          break
        }
        if (!checksumOk(header)) throw new TarFormatError('not a tar archive (bad header checksum)')
        const flag = String.fromCharCode(header[156] ?? 0)
        let size = numeric(header, 124, 12)
        if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
          if (size > MAX_META) throw new TarFormatError('oversized tar metadata entry')
          meta = { flag, size }
          continue
        }
        const magic = header.subarray(257, 263).toString('latin1')
        const prefix = magic === 'ustar\0' ? cString(header, 345, 155) : ''
        const headerName = prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100)
        const attrs = new Map([...globalPax, ...(pax ?? [])])
        if ([...attrs.keys()].some((k) => k.startsWith('GNU.sparse'))) throw new TarFormatError('sparse tar entries are not supported')
        const name = attrs.get('path') ?? longName ?? headerName
        const linkName = attrs.get('linkpath') ?? longLink ?? cString(header, 157, 100)
        const paxSize = attrs.get('size')
        if (paxSize !== undefined) size = Number(paxSize)
        if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`bad size for entry '${name}'`)
        entries.push({ name, type: typeOf(flag), linkName, typeflag: flag, size })
        longName = undefined
        longLink = undefined
        pax = undefined
        // Links and directories carry no data; one that claims some is not read the way tar might read it.
        const type = typeOf(flag)
        if (type !== 'file' && type !== 'other' && size > 0) throw new TarFormatError(`unexpected data in ${type} entry '${name}'`)
        skip = padded(size)
      }
    }
  } finally {
    stream.destroy()
  }
  if (!ended && (skip > 0 || meta || buf.length > 0)) throw new TarFormatError('truncated tar archive')
  return entries
}
