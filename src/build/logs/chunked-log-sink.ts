import type { LogSink } from './log-store.ts'

/** A chunk is written when this much is buffered, or this long after its first byte. */
const CHUNK_BYTES = 64 * 1024
const CHUNK_MS = 50
/** The largest chunk one write carries (a burst written while the store was slow is split). */
const MAX_CHUNK_BYTES = 1024 * 1024

export type ChunkTarget = {
  /** The log's length so far, as its store has it. */
  size(): Promise<number>
  /** Writes `data` at `offset` (the log's end). */
  put(offset: number, data: Buffer): Promise<void>
  /** Called after each chunk lands (followers may read more). */
  grew?(): void
  onError(err: unknown): void
  /** Tries per chunk before it is given up (100 ms more wait after each): 5 unless said. */
  attempts?: number
}

/**
 * A log sink that writes in chunks at known offsets — to the database's `build_log_chunks`, or over
 * the runner protocol. It buffers for at most 50 ms or 64 KiB and writes chunks in order, one write at
 * a time (output arriving meanwhile is buffered and joins the next chunk, so a slow store costs memory
 * for the backlog, not lost lines). An error may hide a write that happened: the size read back tells,
 * so a chunk is never written twice nor skipped (a log has one writer).
 */
export function chunkedLogSink(target: ChunkTarget): LogSink {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let offset = -1
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> | undefined
  let closed = false
  const put = async (data: Buffer) => {
    for (let attempt = 1; ; attempt++) {
      try {
        if (offset < 0) offset = await target.size()
        await target.put(offset, data)
        offset += data.length
        return
      } catch (err) {
        const end = offset < 0 ? undefined : offset + data.length
        offset = await target.size().catch(() => -1)
        if (end !== undefined && offset >= end) return
        if (attempt >= (target.attempts ?? 5)) throw err
        await new Promise((r) => setTimeout(r, 100 * attempt))
      }
    }
  }
  const drain = async () => {
    while (pendingBytes > 0) {
      const data = Buffer.concat(pending)
      pending = []
      pendingBytes = 0
      for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) await put(data.subarray(at, at + MAX_CHUNK_BYTES))
      target.grew?.()
    }
  }
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = undefined
    writing ??= drain()
      .catch(target.onError)
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
      target.grew?.()
    },
  }
}
