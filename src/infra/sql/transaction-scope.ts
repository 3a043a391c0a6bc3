import { AsyncLocalStorage } from 'node:async_hooks'
import { TRANSACTION_ATTEMPTS, TransactionConflict } from './sql.ts'

/**
 * Knows whether the current async context is inside an open transaction, so a transaction started
 * from inside another fails at once instead of waiting for itself (SQLite's writer) or taking a second
 * connection that may wait on the first one's locks (PostgreSQL).
 */
export class TransactionScope {
  readonly #open = new AsyncLocalStorage<{ open: boolean }>()

  get inside(): boolean {
    return this.#open.getStore()?.open === true
  }

  async enter<T>(fn: () => Promise<T>): Promise<T> {
    const marker = { open: true }
    try {
      return await this.#open.run(marker, fn)
    } finally {
      marker.open = false
    }
  }
}

/**
 * Runs `attempt` (one whole transaction) and runs it again when it ended in a conflict that a retry
 * resolves: a guarded save that found zero rows, or what `retryable` says (serialization failure,
 * deadlock). Backs off a little, with jitter, between attempts.
 */
export async function runTransaction<T>(scope: TransactionScope, attempt: () => Promise<T>, retryable: (err: unknown) => boolean = () => false): Promise<T> {
  if (scope.inside) throw new Error('nested transaction: a transaction was started inside another')
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      if (n >= TRANSACTION_ATTEMPTS || !(err instanceof TransactionConflict || retryable(err))) throw err
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * n))
    }
  }
}
