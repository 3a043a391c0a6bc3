import type { Signals } from '../../infra/sql/sql.ts'

/** One build's log being written: `write` is synchronous and cheap; `close` makes all of it readable. */
export interface LogSink {
  write(data: string): void
  close(): Promise<void>
}

/** Where a running build writes its log (one sink per build, opened by the process that runs it). */
export interface LogSinks {
  open(build: LogRef): LogSink
}

export type LogRef = { id: string; logFile: string }

/**
 * The `LogStore` port: build logs appended by the process that runs the build and read — from an
 * offset, and followed while it grows — by any server. Embedded: files in the data dir; scale-out:
 * chunks in the database. Contract: bytes are read back exactly as written, in order; `read` returns
 * what is readable now (a follower calls it again after `changed`); `changed` resolves when the log
 * may have grown, or after `ms` whatever happened (signals can be lost: followers re-read, they never
 * trust a wake-up alone).
 */
export interface LogStore extends LogSinks {
  /**
   * Appends a chunk a remote runner sent at `offset`, the log's end (a chunk already there — a retry —
   * changes nothing). Returns the log's size after it; throws `LogGap` for an offset past the end.
   */
  append(build: LogRef, offset: number, data: Buffer): Promise<number>
  read(build: LogRef, offset: number): AsyncIterable<Buffer>
  changed(build: LogRef, ms: number): Promise<void>
}

/** A chunk does not start at the log's end (a writer that lost track of it: it reads the size again). */
export class LogGap extends Error {
  constructor(buildId: string, offset: number, size: number) {
    super(`log of ${buildId} is ${size} bytes long; a chunk at ${offset} does not follow it`)
    this.name = 'LogGap'
  }
}

/** The signal a log's writer sends when more of it is readable (payload: the build id). */
export const LOG_SIGNAL = 'build-log'

/** Waits for `LOG_SIGNAL` about `buildId` (or a resync), or `ms`. */
export function logChanged(signals: Signals, buildId: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      unlisten()
      resolve()
    }
    const timer = setTimeout(done, ms)
    const unlisten = signals.listen(LOG_SIGNAL, (payload) => {
      if (payload === undefined || payload === buildId) done()
    })
  })
}

/** Sends `LOG_SIGNAL` for a build at most once per turn of the event loop, however many writes it had. */
export class LogSignaller {
  readonly #signals: Signals
  readonly #pending = new Set<string>()

  constructor(signals: Signals) {
    this.#signals = signals
  }

  grew(buildId: string): void {
    if (this.#pending.has(buildId)) return
    this.#pending.add(buildId)
    setImmediate(() => {
      this.#pending.delete(buildId)
      this.#signals.send(LOG_SIGNAL, buildId)
    })
  }
}
