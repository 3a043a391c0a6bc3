import type { Signals } from './sql/sql.ts'

/**
 * Listens for a signal from now on and remembers that it came: `wait` resolves at once when a signal
 * arrived since the previous wait, else on the next one, after `ms`, or when `abort` fires. A long-poll
 * opens it before it looks for work, so work queued between the look and the wait is not slept through.
 */
export class SignalLatch {
  #fired = false
  #wake: (() => void) | undefined
  readonly #unlisten: () => void

  constructor(signals: Signals, signal: string, accept: (payload: string | undefined) => boolean = () => true) {
    this.#unlisten = signals.listen(signal, (payload) => {
      if (!accept(payload)) return
      this.#fired = true
      this.#wake?.()
    })
  }

  wait(ms: number, abort?: AbortSignal): Promise<void> {
    if (this.#fired || abort?.aborted) {
      this.#fired = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        abort?.removeEventListener('abort', done)
        this.#wake = undefined
        this.#fired = false
        resolve()
      }
      const timer = setTimeout(done, ms)
      abort?.addEventListener('abort', done)
      this.#wake = done
    })
  }

  close(): void {
    this.#unlisten()
    this.#wake?.()
  }
}
