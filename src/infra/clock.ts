/** The `Clock` port: all time in Slipway comes from here, so tests can drive it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
