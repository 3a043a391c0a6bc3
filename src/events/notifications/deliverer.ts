import type { Clock } from '../../infra/clock.ts'
import type { SecretBox } from '../../infra/crypto/secret-box.ts'
import { afterAttempt, MAX_ATTEMPTS, type AttemptOutcome } from '../model/backoff.ts'
import type { DeliveryRecord, NotificationStore } from './records.ts'
import { ATTEMPT_HEADER, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody } from './sign.ts'

export type DelivererOptions = {
  /** How often due deliveries are looked for (a new delivery also wakes the loop at once). */
  tickMs?: number
  /** Per-request timeout. */
  timeoutMs?: number
  /** Requests in flight at most. */
  concurrency?: number
  /** How long a claimed attempt is ours; an attempt whose process died is retried after it. */
  leaseMs?: number
  maxAttempts?: number
  /** Finished deliveries are kept this long, then pruned. */
  retentionMs?: number
  /** In [0, 1): spreads retries (tests pass a constant). */
  random?: () => number
  onError?: (err: unknown, what: string) => void
}

const USER_AGENT = 'Slipway-Notifications/1.0'
const ERROR_BODY_BYTES = 300

/**
 * Works through the deliveries outbox: every tick (and whenever woken) it claims due deliveries and
 * POSTs each body to its target, signed with the target's secret; a failure is retried with
 * exponential backoff (`model/backoff.ts`) and, after the last attempt, marked failed. Sends run
 * concurrently and never on the publishing path, so a slow or dead endpoint delays nobody.
 * Times come from the `Clock` (`nextAttemptAt`); the timer only decides how often to look.
 */
export class NotificationDeliverer {
  readonly #store: NotificationStore
  readonly #clock: Clock
  readonly #box: SecretBox
  readonly #o: Required<DelivererOptions>
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #stopping = new AbortController()
  #timer: NodeJS.Timeout | undefined
  #passing: Promise<void> | undefined
  #again = false
  #lastPrune = 0

  constructor(deps: { store: NotificationStore; clock: Clock; box: SecretBox }, options: DelivererOptions = {}) {
    this.#store = deps.store
    this.#clock = deps.clock
    this.#box = deps.box
    this.#o = {
      tickMs: options.tickMs ?? 250,
      timeoutMs: options.timeoutMs ?? 5000,
      concurrency: options.concurrency ?? 16,
      leaseMs: options.leaseMs ?? 60_000,
      maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
      retentionMs: options.retentionMs ?? 7 * 24 * 3600_000,
      random: options.random ?? Math.random,
      onError: options.onError ?? (() => undefined),
    }
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => this.wake(), this.#o.tickMs)
    this.#timer.unref()
    this.wake()
  }

  /** Stops looking for work, aborts requests in flight (their attempts are retried after a restart) and waits for them. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    this.#stopping.abort()
    await this.#passing
    await Promise.allSettled([...this.#inFlight.values()])
  }

  /** Looks for due deliveries now (no-op before `start`). */
  wake(): void {
    if (!this.#timer || this.#stopping.signal.aborted) return
    void this.pass()
  }

  /** One pass: claims what is due and starts sending it. Resolves when the pass (not the sends) is done. */
  pass(): Promise<void> {
    if (this.#passing) {
      this.#again = true
      return this.#passing
    }
    this.#passing = (async () => {
      do {
        this.#again = false
        try {
          await this.#claimDue()
        } catch (err) {
          this.#o.onError(err, 'notification deliverer pass')
        }
      } while (this.#again && !this.#stopping.signal.aborted)
    })().finally(() => (this.#passing = undefined))
    return this.#passing
  }

  /** Runs passes until nothing is due or in flight (tests with a manual clock). */
  async drain(): Promise<void> {
    for (;;) {
      await this.pass()
      if (this.#inFlight.size === 0) return
      await Promise.allSettled([...this.#inFlight.values()])
    }
  }

  async #claimDue(): Promise<void> {
    const now = this.#clock.now()
    if (now.getTime() - this.#lastPrune > 3600_000) {
      this.#lastPrune = now.getTime()
      await this.#store.prune(new Date(now.getTime() - this.#o.retentionMs))
    }
    const room = this.#o.concurrency - this.#inFlight.size
    if (room <= 0) return
    for (const d of await this.#store.due(now, room)) {
      if (this.#stopping.signal.aborted) return
      if (this.#inFlight.has(d.id)) continue
      if (!(await this.#store.claim(d.id, d.attempts, new Date(now.getTime() + this.#o.leaseMs), now))) continue
      const attempt = { ...d, attempts: d.attempts + 1 }
      const sending = this.#deliver(attempt).catch((err: unknown) => this.#o.onError(err, `delivering ${d.id}`)).finally(() => this.#inFlight.delete(d.id))
      this.#inFlight.set(d.id, sending)
    }
  }

  async #deliver(d: DeliveryRecord): Promise<void> {
    const outcome = await this.#attempt(d)
    if (this.#stopping.signal.aborted && !outcome.ok) {
      // Interrupted by shutdown: not the endpoint's fault; try again right after the restart.
      await this.#store.settle(d.id, { status: 'pending', nextAttemptAt: this.#clock.now(), error: 'interrupted by server shutdown' }, this.#clock.now())
      return
    }
    const now = this.#clock.now()
    const step = afterAttempt(d.attempts, outcome, now.getTime(), this.#o.random(), this.#o.maxAttempts)
    await this.#store.settle(d.id, {
      status: step.status,
      ...(step.status === 'pending' ? { nextAttemptAt: new Date(step.nextAttemptAt) } : {}),
      ...(outcome.ok ? {} : { error: outcome.error }),
      ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    }, now)
  }

  async #attempt(d: DeliveryRecord): Promise<AttemptOutcome & { statusCode?: number }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      [EVENT_HEADER]: d.eventType,
      [DELIVERY_HEADER]: d.id,
      [ATTEMPT_HEADER]: String(d.attempts),
    }
    if (d.targetType === 'Webhook') {
      const rule = await this.#store.ruleById(d.ruleId)
      const sealed = rule?.targets[d.targetIndex]?.secretSealed
      if (sealed) headers[SIGNATURE_HEADER] = signBody(d.payload, this.#box.open(sealed))
    }
    try {
      const res = await fetch(d.address, {
        method: 'POST',
        body: d.payload,
        headers,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.#o.timeoutMs), this.#stopping.signal]),
      })
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => undefined)
        return { ok: true, statusCode: res.status }
      }
      const text = (await readSome(res, ERROR_BODY_BYTES)).replace(/\s+/g, ' ').trim()
      return { ok: false, statusCode: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } }
      if (e.name === 'TimeoutError') return { ok: false, error: `timed out after ${this.#o.timeoutMs} ms` }
      return { ok: false, error: e.cause?.code ?? e.cause?.message ?? e.message }
    }
  }
}

/** The first `limit` bytes of a response body as text; the rest is discarded. */
async function readSome(res: Response, limit: number): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < limit) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8')
}
