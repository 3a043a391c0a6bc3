import type { StoreSlice, SubStores } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { EventBus } from '../../events/bus.ts'

/** What the CodePipeline use cases need, passed down once at start. */
/** The pipeline context's slice of the store. */
export type PipelineStores = StoreSlice<'pipelines' | 'jobs' | 'events'>
/** What a pipeline transaction sees. */
export type PipelineTx = Pick<SubStores, 'pipelines' | 'jobs' | 'events'>

export type PipelineContext = {
  store: PipelineStores
  clock: Clock
  bus: EventBus
  region: string
  accountId: string
  baseUrl: () => string
  /** Tells the action worker there is work. */
  wakeActions: () => void
}

export const pipelineArn = (ctx: PipelineContext, name: string) => `arn:aws:codepipeline:${ctx.region}:${ctx.accountId}:${name}`
