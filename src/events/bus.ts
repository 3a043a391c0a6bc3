import { AsyncLocalStorage } from 'node:async_hooks'
import type { Store } from '../infra/store.ts'
import type { Clock } from '../infra/clock.ts'
import type { StoredEvent } from './outbox.ts'

export type EventListener = (event: StoredEvent) => void | Promise<void>

/**
 * In-process event bus fed from the outbox. Services append events inside their transaction and call
 * `flush()` after commit; `flush()` publishes every unpublished event in order, then marks it.
 * Start-up calls `flush()` too, so events of a crashed process are delivered (at least once).
 * Listeners must be idempotent and must not throw (errors are logged, not propagated). A listener may
 * itself cause events (a push starts a pipeline, which emits its own): `flush()` called from inside a
 * listener returns at once, and the drain already running publishes those events after it.
 */
export class EventBus {
  readonly #store: Store
  readonly #clock: Clock
  readonly #listeners = new Set<EventListener>()
  readonly #onError: (err: unknown, event: StoredEvent) => void
  #flushing: Promise<void> = Promise.resolve()
  readonly #insideListener = new AsyncLocalStorage<boolean>()

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
    if (this.#insideListener.getStore()) return Promise.resolve()
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
            await this.#insideListener.run(true, () => listener(event))
          } catch (err) {
            this.#onError(err, event)
          }
        }
        await this.#store.events.markPublished(event.seq, this.#clock.now())
      }
    }
  }
}
