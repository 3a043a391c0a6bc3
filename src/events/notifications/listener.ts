import { createHash, randomUUID } from 'node:crypto'
import type { EventListener } from '../bus.ts'
import type { Clock } from '../../infra/clock.ts'
import type { SubStores } from '../../infra/store.ts'
import { EVENT } from '../model/event-types.ts'
import { matchingRules } from '../model/matching.ts'
import { pipelineAttributes, type PipelineAttributes } from '../model/pipeline-attributes.ts'
import { detailTypeOf, renderPayload } from '../model/render.ts'
import type { NotifiableEvent } from '../model/types.ts'
import type { NewDelivery } from './records.ts'

export type ListenerDeps = {
  store: Pick<SubStores, 'notifications' | 'pipelines'>
  clock: Clock
  region: string
  accountId: string
  baseUrl: () => string
  /** Called after new deliveries were written (wakes the deliverer). */
  onEnqueued?: () => void
}

const PIPELINE_EVENTS: ReadonlySet<string> = new Set([EVENT.pipelineExecution, EVENT.stageExecution, EVENT.actionExecution])

/** A stable EventBridge id per outbox event: every delivery of one event, even after a re-publish, carries the same id. */
export function eventIdFor(accountId: string, event: Pick<NotifiableEvent, 'seq' | 'at'>): string {
  const h = createHash('sha256').update(`slipway-event:${accountId}:${event.seq}:${event.at.getTime()}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * The bus listener: for each published event, reads the rules, and writes one delivery per matching
 * (rule, target) with its body rendered now. Only store reads and one insert: never HTTP, so it adds
 * next to nothing to the publishing path. Idempotent (a re-published event enqueues nothing new).
 */
export function notificationListener(deps: ListenerDeps): EventListener {
  return async (event) => {
    const rules = matchingRules(await deps.store.notifications.listRules(), event)
    if (rules.length === 0) return
    let attributes: PipelineAttributes | undefined
    const executionId = event.detail['execution-id']
    if (PIPELINE_EVENTS.has(event.type) && typeof executionId === 'string') {
      const execution = await deps.store.pipelines.execution(executionId)
      if (execution) attributes = pipelineAttributes(execution)
    }
    const ctx = { eventId: eventIdFor(deps.accountId, event), region: deps.region, accountId: deps.accountId, baseUrl: deps.baseUrl() }
    const now = deps.clock.now()
    const deliveries: NewDelivery[] = rules.flatMap((rule) =>
      rule.targets.map((target, targetIndex) => ({
        id: randomUUID(),
        ruleId: rule.id,
        targetIndex,
        targetType: target.type,
        address: target.address,
        eventSeq: event.seq,
        eventType: detailTypeOf(event.type),
        eventId: ctx.eventId,
        payload: renderPayload(target.type, event, rule, ctx, attributes),
        createdAt: now,
      })),
    )
    if ((await deps.store.notifications.enqueue(deliveries)) > 0) deps.onEnqueued?.()
  }
}
