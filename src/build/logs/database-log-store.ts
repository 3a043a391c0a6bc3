import type { StoreSlice } from '../../infra/store.ts'
import { LogGap, LogSignaller, logChanged, type LogRef, type LogSink, type LogStore } from './log-store.ts'
import { chunkedLogSink } from './chunked-log-sink.ts'

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
    return chunkedLogSink({
      size: () => logs.size(build.id),
      put: (offset, data) => logs.append(build.id, offset, data),
      grew: () => this.#signaller.grew(build.id),
      onError: this.#onError,
    })
  }

  async append(build: LogRef, offset: number, data: Buffer): Promise<number> {
    const size = await this.#store.buildLogs.size(build.id)
    if (data.length === 0 || offset + data.length <= size) return size
    if (offset !== size) throw new LogGap(build.id, offset, size)
    await this.#store.buildLogs.append(build.id, offset, data)
    this.#signaller.grew(build.id)
    return size + data.length
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
