import { createHmac, randomUUID } from 'node:crypto'
import type { Store } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { SecretBox } from '../../infra/crypto/secret-box.ts'
import type { EventBus } from '../bus.ts'
import type { Delivery } from './records.ts'
import { eventBridgeBody, retryDelaySeconds, ruleMatches, slackBody } from './rules.ts'

export type NotificationDeps = { store: Store; bus: EventBus; clock: Clock; box: SecretBox; region: string; accountId: string; baseUrl: () => string; onError: (err: unknown) => void }

/** `sha256=<hex HMAC-SHA256 of the body>` with the target's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * Notification delivery: a bus listener writes one delivery per matching rule target (only database
 * work: never HTTP inside the engine's path), and a timer loop POSTs due deliveries, retrying with
 * exponential backoff (1 s … 60 s, 8 attempts). Deliveries are rows, so they survive restarts.
 */
export function startNotifications(deps: NotificationDeps): { stop(): void } {
  deps.bus.subscribe(async (event) => {
    const rules = (await deps.store.notifications.rules()).filter((r) => ruleMatches(r, event))
    for (const rule of rules) {
      for (const target of rule.targets) {
        const payload = target.type === 'Slack' ? slackBody(event, deps.baseUrl()) : eventBridgeBody(event, randomUUID(), deps.accountId, deps.region, rule.detailType === 'FULL')
        const now = deps.clock.now()
        await deps.store.notifications.insertDelivery({
          id: randomUUID(), ruleName: rule.name, targetType: target.type, address: target.address, secretSealed: target.secretSealed,
          eventType: event.type, payload: JSON.stringify(payload), attempt: 0, nextAttemptAt: now, status: 'pending', createdAt: now, updatedAt: now,
        })
      }
    }
  })
  let busy = false
  const tick = async () => {
    if (busy) return
    busy = true
    try {
      for (const d of await deps.store.notifications.dueDeliveries(deps.clock.now(), 20)) await deliver(deps, d)
    } catch (err) {
      deps.onError(err)
    } finally {
      busy = false
    }
  }
  const timer = setInterval(() => void tick(), 250)
  return { stop: () => clearInterval(timer) }
}

async function deliver(deps: NotificationDeps, d: Delivery): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Slipway-Notifications', 'x-slipway-delivery': d.id, 'x-slipway-event': d.eventType }
  if (d.secretSealed) headers['x-slipway-signature'] = signature(deps.box.open(d.secretSealed), d.payload)
  let error: string | undefined
  try {
    const res = await fetch(d.address, { method: 'POST', headers, body: d.payload, signal: AbortSignal.timeout(5000) })
    if (!res.ok) error = `HTTP ${res.status}`
    await res.body?.cancel()
  } catch (err) {
    error = (err as Error).message
  }
  const attempt = d.attempt + 1
  const now = deps.clock.now()
  if (!error) {
    await deps.store.notifications.saveDelivery({ ...d, attempt, status: 'delivered', lastError: undefined, updatedAt: now })
    return
  }
  const delay = retryDelaySeconds(attempt)
  await deps.store.notifications.saveDelivery({ ...d, attempt, status: delay === undefined ? 'failed' : 'pending', lastError: error, nextAttemptAt: new Date(now.getTime() + (delay ?? 0) * 1000), updatedAt: now })
}
