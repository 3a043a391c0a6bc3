import type { Store } from '../infra/store.ts'
import type { Clock } from '../infra/clock.ts'
import type { StoredEvent } from './outbox.ts'

export type EventListener = (event: StoredEvent) => void | Promise<void>

/**
 * In-process event bus fed from the outbox. Services append events inside their transaction and call
 * `flush()` after commit; `flush()` publishes every unpublished event in order, then marks it.
 * Start-up calls `flush()` too, so events of a crashed process are delivered (at least once).
 * Listeners must be idempotent and must not throw (errors are logged, not propagated).
 */
export class EventBus {
  readonly #store: Store
  readonly #clock: Clock
  readonly #listeners = new Set<EventListener>()
  readonly #onError: (err: unknown, event: StoredEvent) => void
  #flushing: Promise<void> = Promise.resolve()

  constructor(store: Store, clock: Clock, onError: (err: unknown, event: StoredEvent) => void) {
    this.#store = store
    this.#clock = clock
    this.#onError = onError
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#drain())
    return this.#flushing
  }

  async #drain(): Promise<void> {
    for (;;) {
      const batch = await this.#store.events.unpublished(100)
      if (batch.length === 0) return
      for (const event of batch) {
        for (const listener of this.#listeners) {
          try {
            await listener(event)
          } catch (err) {
            this.#onError(err, event)
          }
        }
        await this.#store.events.markPublished(event.seq, this.#clock.now())
      }
    }
  }
}
