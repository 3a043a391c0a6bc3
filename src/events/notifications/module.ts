import type { EventBus } from '../bus.ts'
import type { Clock } from '../../infra/clock.ts'
import type { SecretBox } from '../../infra/crypto/secret-box.ts'
import type { StoreSlice } from '../../infra/store.ts'
import { NotificationDeliverer, type DelivererOptions } from './deliverer.ts'
import { notificationListener } from './listener.ts'
import { NOTIFIABLE_TYPES } from '../model/event-types.ts'

export type NotificationsDeps = {
  store: StoreSlice<'notifications' | 'pipelines' | 'events'>
  bus: EventBus
  clock: Clock
  box: SecretBox
  region: string
  accountId: string
  baseUrl: () => string
  log?: { error(obj: object, msg: string): void }
  options?: DelivererOptions
}

/**
 * Notifications in a server: subscribes the listener now (so start-up's `bus.flush()` already
 * enqueues deliveries for events a crash left unpublished) and returns the deliverer to `start()`
 * once the server listens and `stop()` before the store closes. Rules are read from the store on
 * every event, so `slipway notifications create` against the data dir takes effect at once.
 */
export function registerNotifications(deps: NotificationsDeps): { deliverer: NotificationDeliverer; start(): void; stop(): Promise<void> } {
  const onError = (err: unknown, what: string) => deps.log?.error({ err }, what)
  const deliverer = new NotificationDeliverer({ store: deps.store.notifications, clock: deps.clock, box: deps.box }, { onError, ...deps.options })
  const unsubscribe = deps.bus.subscribe('notifications', NOTIFIABLE_TYPES, notificationListener({ store: deps.store, clock: deps.clock, region: deps.region, accountId: deps.accountId, baseUrl: deps.baseUrl, onEnqueued: () => deliverer.wake() }))
  return {
    deliverer,
    start: () => deliverer.start(),
    async stop() {
      unsubscribe()
      await deliverer.stop()
    },
  }
}
