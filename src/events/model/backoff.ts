/**
 * When a failed delivery is tried again: exponential backoff from 1 s, doubling, capped at 60 s; after
 * `MAX_ATTEMPTS` attempts the delivery fails for good (1, 2, 4, 8, 16, 32, 60 s between the 8 tries,
 * about two minutes in all). `jitter` in [0, 1) spreads retries of many deliveries by up to ±10 %.
 */
export const MAX_ATTEMPTS = 8
export const FIRST_DELAY_MS = 1000
export const MAX_DELAY_MS = 60_000

/** Delay before the next try, after `attempts` tries have failed (attempts ≥ 1). */
export function backoffDelayMs(attempts: number, jitter = 0.5): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1))
  return Math.round(base * (0.9 + 0.2 * jitter))
}

export type AttemptOutcome = { ok: true } | { ok: false; error: string; statusCode?: number }

/** What to do with a delivery after an attempt: delivered, retry at a time, or give up. */
export type NextStep = { status: 'delivered' } | { status: 'pending'; nextAttemptAt: number } | { status: 'failed' }

export function afterAttempt(attempts: number, outcome: AttemptOutcome, now: number, jitter = 0.5, maxAttempts = MAX_ATTEMPTS): NextStep {
  if (outcome.ok) return { status: 'delivered' }
  if (attempts >= maxAttempts) return { status: 'failed' }
  return { status: 'pending', nextAttemptAt: now + backoffDelayMs(attempts, jitter) }
}

/** The full schedule (delays between tries), for docs and tests. */
export function backoffSchedule(maxAttempts = MAX_ATTEMPTS): number[] {
  return Array.from({ length: maxAttempts - 1 }, (_, i) => backoffDelayMs(i + 1))
}
