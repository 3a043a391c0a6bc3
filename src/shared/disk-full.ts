/**
 * A full disk, whichever layer met it (a file write's ENOSPC, SQLite's SQLITE_FULL, git's "No space
 * left on device"): the edges answer it with their protocol's 503 naming the cause, instead of a
 * generic internal error, and log it once a minute rather than per request. Nothing else changes:
 * writes fail cleanly and work again once space returns.
 */
export const DISK_FULL_MESSAGE = "The server's disk is full (no space left on the device that holds its data): nothing was changed; free some space and retry"

export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown } | null
  if (!e || typeof e !== 'object') return false
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true
  if (e.errcode === 13 /* SQLITE_FULL */) return true
  return typeof e.message === 'string' && /No space left on device|database or disk is full/i.test(e.message)
}

let lastLogged = 0
/** Whether to log this disk-full error (at most once a minute, whatever the number of requests). */
export function shouldLogDiskFull(now = Date.now()): boolean {
  if (now - lastLogged < 60_000) return false
  lastLogged = now
  return true
}
