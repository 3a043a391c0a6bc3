import type { Signals } from './sql/sql.ts'

export type ClaimLoopOptions<J> = {
  signals: Signals
  /** The signal that says "work was queued" (sent by any server). */
  signal: string
  /** How many claimed jobs run at once. */
  maxParallel: number
  tickMs: number
  /** Claims one job (a guarded update: never one another claimer has); undefined when there is none. */
  claim(): Promise<J | undefined>
  /** Runs a claimed job to its end; the loop claims again when it is done. */
  run(job: J): Promise<void>
  /** Leases, timeouts, what others left behind: every tick, on every server. */
  tick(): Promise<void>
  onError(err: unknown, context: string): void
  /** What the loop claims, for error messages. */
  what: string
}

/** Claims without a wake-up every this many ticks too: a signal from another server can be lost. */
const CLAIM_EVERY_TICKS = 4

/**
 * The one worker loop of every kind of dispatched work (builds, pipeline actions): it claims while it
 * has capacity — when woken by the work signal from any server, when a job of its own ends, and now
 * and then on its tick — and hands each claimed job to `run`. The tick runs on every server; claiming
 * only where `start({ claim: true })`.
 */
export class ClaimLoop<J> {
  readonly #o: ClaimLoopOptions<J>
  #running = 0
  #pumping = false
  #again = false
  #claiming = false
  #stopped = false
  #ticking = false
  #ticks = 0
  #timer: NodeJS.Timeout | undefined
  #unlisten: (() => void) | undefined

  constructor(options: ClaimLoopOptions<J>) {
    this.#o = options
  }

  get running(): number {
    return this.#running
  }

  start(options: { claim: boolean } = { claim: true }): void {
    this.#claiming = options.claim
    this.#unlisten = this.#o.signals.listen(this.#o.signal, () => this.wake())
    this.#timer = setInterval(() => void this.#tick(), this.#o.tickMs)
    this.wake()
  }

  /** Stops ticking and claiming (jobs already running go on; their owner stops them). */
  stop(): void {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#unlisten?.()
  }

  /** Claims and starts whatever can run now. Cheap to call often. */
  wake(): void {
    if (this.#stopped || !this.#claiming) return
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = true
    void this.#pump()
      .catch((err: unknown) => this.#o.onError(err, `claiming ${this.#o.what}`))
      .finally(() => {
        this.#pumping = false
        if (this.#again) {
          this.#again = false
          this.wake()
        }
      })
  }

  async #pump(): Promise<void> {
    while (!this.#stopped && this.#running < this.#o.maxParallel) {
      const job = await this.#o.claim()
      if (job === undefined) return
      this.#running++
      void this.#o.run(job)
        .catch((err: unknown) => this.#o.onError(err, `running ${this.#o.what}`))
        .finally(() => {
          this.#running--
          this.wake()
        })
    }
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return
    this.#ticking = true
    try {
      await this.#o.tick()
      if (++this.#ticks % CLAIM_EVERY_TICKS === 0) this.wake()
    } catch (err) {
      this.#o.onError(err, `${this.#o.what} tick`)
    } finally {
      this.#ticking = false
    }
  }
}
