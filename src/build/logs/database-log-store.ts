import type { StoreSlice } from '../../infra/store.ts'
import { LogSignaller, logChanged, type LogRef, type LogSink, type LogStore } from './log-store.ts'

/** A chunk is written when this much is buffered, or this long after its first byte. */
const CHUNK_BYTES = 64 * 1024
const CHUNK_MS = 50
/** The largest chunk one row holds (a burst written while the database was slow is split). */
const MAX_CHUNK_BYTES = 1024 * 1024

/**
 * The scale-out `LogStore`: each build's log is a sequence of chunks in the database (`build_log_chunks`,
 * keyed by byte offset), so every server reads and follows it. The writer buffers for at most 50 ms or
 * 64 KiB and writes chunks in order, one write at a time (output arriving meanwhile is buffered and
 * joins the next chunk, so a slow database costs memory for the backlog, not lost lines); every chunk
 * signals followers on every server.
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
    const logs = this.#store.buildLogs
    let pending: Buffer[] = []
    let pendingBytes = 0
    let offset = -1
    let timer: NodeJS.Timeout | undefined
    let writing: Promise<void> | undefined
    let closed = false
    // One chunk, at the log's end. An error may hide a write that happened: the length read back
    // tells, so a chunk is never written twice nor skipped (a build has one writer).
    const put = async (data: Buffer) => {
      for (let attempt = 1; ; attempt++) {
        try {
          if (offset < 0) offset = await logs.size(build.id)
          await logs.append(build.id, offset, data)
          offset += data.length
          return
        } catch (err) {
          const end = offset < 0 ? undefined : offset + data.length
          offset = await logs.size(build.id).catch(() => -1)
          if (end !== undefined && offset >= end) return
          if (attempt >= 5) throw err
          await new Promise((r) => setTimeout(r, 100 * attempt))
        }
      }
    }
    // Writes what is buffered, a chunk at a time, until nothing is; what arrives meanwhile joins the next chunk.
    const drain = async () => {
      while (pendingBytes > 0) {
        const data = Buffer.concat(pending)
        pending = []
        pendingBytes = 0
        for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) await put(data.subarray(at, at + MAX_CHUNK_BYTES))
        this.#signaller.grew(build.id)
      }
    }
    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer)
      timer = undefined
      writing ??= drain()
        .catch(this.#onError)
        .finally(() => (writing = undefined))
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
        while (writing || pendingBytes > 0) await (writing ?? flush())
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
