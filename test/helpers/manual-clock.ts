import type { Clock } from '../../src/infra/clock.ts'

/** A `Clock` the test moves by hand (wall-clock timers still tick; only "now" is controlled). */
export class ManualClock implements Clock {
  #now: number
  constructor(start = Date.now()) {
    this.#now = start
  }
  now(): Date {
    return new Date(this.#now)
  }
  advance(ms: number): void {
    this.#now += ms
  }
}
