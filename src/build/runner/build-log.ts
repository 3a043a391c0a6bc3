import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { createMasker, type Masker } from '../model/environment.ts'

/** `[Container] 2026/11/24 06:48:14.123456 <text>`, as CodeBuild's log lines look. */
export function containerLine(at: Date, text: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const stamp = `${at.getUTCFullYear()}/${p(at.getUTCMonth() + 1)}/${p(at.getUTCDate())} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}.${p(at.getUTCMilliseconds(), 3)}000`
  return `[Container] ${stamp} ${text}\n`
}

/**
 * A build's log: appended to a file as the build runs (secrets masked before anything is written),
 * with live followers notified of every append. Memory stays flat whatever the output rate: text is
 * written straight through; followers read the file from their own offset.
 */
export class BuildLog {
  readonly file: string
  readonly #fd: number
  #masker: Masker
  readonly #secrets: string[]
  readonly #events: EventEmitter
  #closed = false

  constructor(file: string, secrets: string[], events: EventEmitter) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    this.file = file
    this.#fd = fs.openSync(file, 'a')
    this.#secrets = [...secrets]
    this.#masker = createMasker(this.#secrets)
    this.#events = events
  }

  write(text: string): void {
    if (this.#closed) return
    const masked = this.#masker.push(text)
    if (masked.length === 0) return
    fs.writeSync(this.#fd, masked)
    this.#events.emit(this.file, 'append')
  }

  /** Masks these values too from now on (secrets become known once the buildspec is read). */
  addSecrets(values: string[]): void {
    const rest = this.#masker.flush()
    if (rest && !this.#closed) fs.writeSync(this.#fd, rest)
    this.#secrets.push(...values)
    this.#masker = createMasker(this.#secrets)
  }

  line(at: Date, text: string): void {
    this.write(containerLine(at, text))
  }

  close(): void {
    if (this.#closed) return
    const rest = this.#masker.flush()
    if (rest) fs.writeSync(this.#fd, rest)
    this.#closed = true
    fs.closeSync(this.#fd)
    this.#events.emit(this.file, 'closed')
  }
}
