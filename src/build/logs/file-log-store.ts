import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import type { Signals } from '../../infra/sql/sql.ts'
import { LogGap, LogSignaller, logChanged, type LogRef, type LogSink, type LogStore } from './log-store.ts'

const CHUNK = 64 * 1024

/**
 * The embedded `LogStore`: each build's log is a file under the data dir (`logFile`), written straight
 * through (memory stays flat whatever the output rate) and read from any offset.
 */
export class FileLogStore implements LogStore {
  readonly #dataDir: string
  readonly #signals: Signals
  readonly #signaller: LogSignaller

  constructor(dataDir: string, signals: Signals) {
    this.#dataDir = dataDir
    this.#signals = signals
    this.#signaller = new LogSignaller(signals)
  }

  open(build: LogRef): LogSink {
    const file = path.join(this.#dataDir, build.logFile)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const fd = fs.openSync(file, 'a')
    let closed = false
    return {
      write: (data) => {
        if (closed) return
        fs.writeSync(fd, data)
        this.#signaller.grew(build.id)
      },
      close: async () => {
        if (closed) return
        closed = true
        fs.closeSync(fd)
        this.#signaller.grew(build.id)
      },
    }
  }

  async append(build: LogRef, offset: number, data: Buffer): Promise<number> {
    const file = path.join(this.#dataDir, build.logFile)
    const size = (await fsp.stat(file).catch(() => undefined))?.size ?? 0
    if (data.length === 0 || offset + data.length <= size) return size
    if (offset !== size) throw new LogGap(build.id, offset, size)
    await fsp.mkdir(path.dirname(file), { recursive: true })
    await fsp.appendFile(file, data)
    this.#signaller.grew(build.id)
    return size + data.length
  }

  async *read(build: LogRef, offset: number): AsyncIterable<Buffer> {
    const handle = await fsp.open(path.join(this.#dataDir, build.logFile), 'r').catch(() => undefined)
    if (!handle) return
    try {
      for (let at = offset; ; ) {
        // A fresh buffer per chunk: the reader may still hold the previous one (a socket's queue).
        const buf = Buffer.allocUnsafe(CHUNK)
        const { bytesRead } = await handle.read(buf, 0, CHUNK, at)
        if (bytesRead <= 0) return
        at += bytesRead
        yield buf.subarray(0, bytesRead)
      }
    } finally {
      await handle.close()
    }
  }

  changed(build: LogRef, ms: number): Promise<void> {
    return logChanged(this.#signals, build.id, ms)
  }
}
