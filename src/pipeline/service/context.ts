import type { Store } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { EventBus } from '../../events/bus.ts'

/** What the CodePipeline use cases need, passed down once at start. */
export type PipelineContext = {
  store: Store
  clock: Clock
  bus: EventBus
  region: string
  accountId: string
  baseUrl: () => string
  /** Tells the action worker there is work. */
  wakeActions: () => void
}

export const pipelineArn = (ctx: PipelineContext, name: string) => `arn:aws:codepipeline:${ctx.region}:${ctx.accountId}:${name}`
