import { createMasker, type Masker } from '../model/environment.ts'
import type { LogSink } from '../logs/log-store.ts'

/** `[Container] 2026/11/24 06:48:14.123456 <text>`, as CodeBuild's log lines look. */
export function containerLine(at: Date, text: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const stamp = `${at.getUTCFullYear()}/${p(at.getUTCMonth() + 1)}/${p(at.getUTCDate())} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}.${p(at.getUTCMilliseconds(), 3)}000`
  return `[Container] ${stamp} ${text}\n`
}

/**
 * A build's log: secrets masked before anything is written, then handed to the log store's sink
 * (a file, database chunks, a terminal), which lets followers on any server read it as it grows.
 */
export class BuildLog {
  readonly #sink: LogSink
  #masker: Masker
  readonly #secrets: string[]
  #closed = false

  constructor(sink: LogSink, secrets: string[] = []) {
    this.#sink = sink
    this.#secrets = [...secrets]
    this.#masker = createMasker(this.#secrets)
  }

  write(text: string): void {
    if (this.#closed) return
    const masked = this.#masker.push(text)
    if (masked.length > 0) this.#sink.write(masked)
  }

  /** Masks these values too from now on (secrets become known once the buildspec is read). */
  addSecrets(values: string[]): void {
    const rest = this.#masker.flush()
    if (rest && !this.#closed) this.#sink.write(rest)
    this.#secrets.push(...values)
    this.#masker = createMasker(this.#secrets)
  }

  line(at: Date, text: string): void {
    this.write(containerLine(at, text))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    const rest = this.#masker.flush()
    if (rest) this.#sink.write(rest)
    this.#closed = true
    await this.#sink.close()
  }
}
