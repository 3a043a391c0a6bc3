import type { StoreSlice } from '../../infra/store.ts'
import { LogSignaller, logChanged, type LogRef, type LogSink, type LogStore } from './log-store.ts'

/** A chunk is written when this much is buffered, or this long after its first byte. */
const CHUNK_BYTES = 64 * 1024
const CHUNK_MS = 50

/**
 * The scale-out `LogStore`: each build's log is a sequence of chunks in the database (`build_log_chunks`,
 * keyed by byte offset), so every server reads and follows it. The writer buffers for at most 50 ms or
 * 64 KiB and writes chunks in order; every chunk signals followers on every server.
 */
export class DatabaseLogStore implements LogStore {
  readonly #store: StoreSlice<'buildLogs'>
  readonly #signaller: LogSignaller
  readonly #onError: (err: unknown) => void

  constructor(store: StoreSlice<'buildLogs'>, onError: (err: unknown) => void) {
    this.#store = store
    this.#signaller = new LogSignaller(store.signals)
    this.#onError = onError
  }

  open(build: LogRef): LogSink {
    let pending: Buffer[] = []
    let pendingBytes = 0
    let offset = -1
    let timer: NodeJS.Timeout | undefined
    let writing: Promise<void> = Promise.resolve()
    let closed = false
    const flush = () => {
      if (timer) clearTimeout(timer)
      timer = undefined
      if (pendingBytes === 0) return writing
      const data = Buffer.concat(pending)
      pending = []
      pendingBytes = 0
      writing = writing.then(async () => {
        if (offset < 0) offset = await this.#store.buildLogs.size(build.id)
        await this.#store.buildLogs.append(build.id, offset, data)
        offset += data.length
        this.#signaller.grew(build.id)
      }).catch(this.#onError)
      return writing
    }
    return {
      write: (data) => {
        if (closed || data.length === 0) return
        const bytes = Buffer.from(data)
        pending.push(bytes)
        pendingBytes += bytes.length
        if (pendingBytes >= CHUNK_BYTES) void flush()
        else timer ??= setTimeout(() => void flush(), CHUNK_MS)
      },
      close: async () => {
        if (closed) return
        closed = true
        await flush()
        this.#signaller.grew(build.id)
      },
    }
  }

  async *read(build: LogRef, offset: number): AsyncIterable<Buffer> {
    for (let at = offset; ; ) {
      const chunks = await this.#store.buildLogs.read(build.id, at, 16)
      if (chunks.length === 0) return
      for (const c of chunks) {
        const part = at > c.offset ? c.data.subarray(at - c.offset) : c.data
        if (part.length > 0) yield part
        at = c.offset + c.data.length
      }
    }
  }

  changed(build: LogRef, ms: number): Promise<void> {
    return logChanged(this.#store.signals, build.id, ms)
  }
}
