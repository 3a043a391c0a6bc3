import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import type { StoreSlice } from '../infra/store.ts'
import type { Clock } from '../infra/clock.ts'
import type { EventPosition, StoredEvent } from './outbox.ts'

export type EventListener = (event: StoredEvent) => void | Promise<void>

/** The signal every process sends after it committed events, so the others read the outbox again. */
export const EVENTS_SIGNAL = 'events'

const BATCH = 100
/** How often a failing listener is tried with one event before the consumer moves past it. */
const LISTENER_ATTEMPTS = 3

type Consumer = { name: string; types: readonly string[]; listener: EventListener; draining?: Promise<void>; again: boolean; registered: boolean }

export type EventBusOptions = {
  /** How long a process may drain a consumer without renewing; another takes over after it. */
  leaseMs?: number
  /** How often every consumer is drained even without a signal (lost signals, a dead process's lease). */
  tickMs?: number
}

/**
 * Delivers the outbox's events to their consumers, in every process on the store.
 *
 * - `subscribe(name, types, listener)`: a durable consumer. Its position lives in the store; one
 *   process at a time drains it (under a lease), so each event reaches the listener once in the
 *   normal case and again only after a crash mid-batch (at least once): listeners must be idempotent.
 *   A listener that throws is tried twice more, then the error is reported and the consumer moves on.
 * - `tail(listener)`: what this process sees from now on (console pages): in memory, never replayed.
 * - `flush()` after a commit: drains every consumer now and signals the other processes. Called from
 *   inside a listener (a push starts a pipeline, which emits its own events) it only marks the drains
 *   to run again and returns at once; the drains already running pick those events up.
 * - A signal from another process, a resync after a lost connection, and a periodic tick also drain:
 *   a woken consumer re-reads the outbox from its stored position, never trusting the signal alone.
 */
export class EventBus {
  readonly #store: StoreSlice<'events'>
  readonly #clock: Clock
  readonly #onError: (err: unknown, event?: StoredEvent) => void
  readonly #consumers = new Map<string, Consumer>()
  readonly #tails = new Set<EventListener>()
  readonly #insideListener = new AsyncLocalStorage<boolean>()
  readonly #owner = `bus-${randomUUID()}`
  readonly #leaseMs: number
  readonly #tickMs: number
  #tailPosition: EventPosition | undefined
  #tailing: Promise<void> | undefined
  #tailAgain = false
  #timer: NodeJS.Timeout | undefined
  #unlisten: (() => void) | undefined

  constructor(store: StoreSlice<'events'>, clock: Clock, onError: (err: unknown, event?: StoredEvent) => void, options: EventBusOptions = {}) {
    this.#store = store
    this.#clock = clock
    this.#onError = onError
    this.#leaseMs = options.leaseMs ?? 10_000
    this.#tickMs = options.tickMs ?? 1000
  }

  /**
   * A durable consumer of the events of `types`, by a name unique among consumers (it never sees the
   * other types, and costs nothing while none of its types is written). One the store has never seen starts at the
   * beginning of the outbox: a consumer added to a store that already has history is registered by its
   * migration at the position it should start from (see 008-coordination.sql).
   */
  subscribe(name: string, types: readonly string[], listener: EventListener): () => void {
    if (this.#consumers.has(name)) throw new Error(`event consumer ${name} is already subscribed`)
    if (types.length === 0) throw new Error(`event consumer ${name} follows no event types`)
    this.#consumers.set(name, { name, types: [...types], listener, again: false, registered: false })
    return () => this.#consumers.delete(name)
  }

  /** Live events from now on, for this process only. */
  tail(listener: EventListener): () => void {
    // Nobody followed the tail until now: it starts again at the end of the outbox.
    if (this.#tails.size === 0) this.#tailPosition = undefined
    this.#tails.add(listener)
    return () => this.#tails.delete(listener)
  }

  /** Follows signals and ticks; drains what is waiting. */
  async start(): Promise<void> {
    // Its own signal is for the other processes: this one drains in `flush` already.
    this.#unlisten = this.#store.signals.listen(EVENTS_SIGNAL, (sender) => {
      if (sender !== this.#owner) void this.#drainAll()
    })
    this.#timer = setInterval(() => void this.#drainAll(), this.#tickMs)
    await this.flush()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#unlisten?.()
  }

  /** After a commit: deliver now, here, and tell the other processes. */
  flush(): Promise<void> {
    this.#store.signals.send(EVENTS_SIGNAL, this.#owner)
    if (this.#insideListener.getStore()) {
      void this.#drainAll()
      return Promise.resolve()
    }
    return this.#drainAll()
  }

  async #drainAll(): Promise<void> {
    await Promise.all([...[...this.#consumers.values()].map((c) => this.#drain(c)), this.#drainTail()])
  }

  #drain(c: Consumer): Promise<void> {
    if (c.draining) {
      c.again = true
      return c.draining
    }
    c.draining = (async () => {
      do {
        c.again = false
        await this.#drainOnce(c).catch((err: unknown) => this.#onError(err))
      } while (c.again && this.#consumers.has(c.name))
    })().finally(() => (c.draining = undefined))
    return c.draining
  }

  /**
   * Claims the consumer, delivers batches from its stored position, moves the position past each
   * batch, and releases it; then looks once more, since another process may have written (and
   * signalled) while this one held the lease.
   */
  async #drainOnce(c: Consumer): Promise<void> {
    if (!c.registered) {
      await this.#store.events.addConsumer(c.name, { tx: 0, seq: 0 })
      c.registered = true
    }
    // One read while there is nothing to do: from the stored position (never a remembered one).
    if (!(await this.#store.events.consumerBehind(c.name, c.types))) return
    for (;;) {
      const now = this.#clock.now()
      let position = await this.#store.events.claimConsumer(c.name, this.#owner, now, new Date(now.getTime() + this.#leaseMs))
      if (!position) return
      const batch = await this.#store.events.after(position, BATCH, c.types)
      let renewed = now.getTime()
      for (const event of batch) {
        await this.#deliver(c, event)
        position = event.position
        // A long batch keeps its lease (and its progress), so no other process takes the consumer over.
        const at = this.#clock.now().getTime()
        if (at - renewed > this.#leaseMs / 3) {
          if (!(await this.#store.events.advanceConsumer(c.name, this.#owner, position, new Date(at + this.#leaseMs)))) return
          renewed = at
        }
      }
      const more = batch.length === BATCH
      const later = new Date(this.#clock.now().getTime() + this.#leaseMs)
      if (!(await this.#store.events.advanceConsumer(c.name, this.#owner, position, more ? later : undefined))) return
      if (!more && !(await this.#store.events.consumerBehind(c.name, c.types))) return
    }
  }

  /** Hands one event to a listener, trying again a little later when it fails (a database blip); then moves on. */
  async #deliver(c: Consumer, event: StoredEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#insideListener.run(true, () => c.listener(event))
        return
      } catch (err) {
        if (attempt >= LISTENER_ATTEMPTS) {
          this.#onError(err, event)
          return
        }
        await new Promise((r) => setTimeout(r, 250 * attempt))
      }
    }
  }

  #drainTail(): Promise<void> {
    if (this.#tails.size === 0) return Promise.resolve()
    if (this.#tailing) {
      this.#tailAgain = true
      return this.#tailing
    }
    this.#tailing = (async () => {
      do {
        this.#tailAgain = false
        this.#tailPosition ??= await this.#store.events.end()
        for (;;) {
          const batch = await this.#store.events.after(this.#tailPosition, BATCH)
          for (const event of batch) {
            for (const listener of this.#tails) {
              try {
                await listener(event)
              } catch (err) {
                this.#onError(err, event)
              }
            }
            this.#tailPosition = event.position
          }
          if (batch.length < BATCH) break
        }
      } while (this.#tailAgain)
    })()
      .catch((err: unknown) => this.#onError(err))
      .finally(() => (this.#tailing = undefined))
    return this.#tailing
  }
}
