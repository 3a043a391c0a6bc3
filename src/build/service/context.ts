import type { StoreSlice } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { EventBus } from '../../events/bus.ts'

/** What the CodeBuild use cases need, passed down once at start. */
/** The build context's slice of the store. */
export type BuildStores = StoreSlice<'projects' | 'builds' | 'buildLogs' | 'secrets' | 'jobs' | 'reports' | 'events' | 'repositories' | 'pipelines' | 'runners' | 'fleets' | 'audit'>

export type BuildContext = {
  store: BuildStores
  clock: Clock
  bus: EventBus
  region: string
  accountId: string
  baseUrl: () => string
  /** Tells the runner there is work (after a build is queued or a stop requested). */
  wake: () => void
}

export const projectArn = (ctx: BuildContext, name: string) => `arn:aws:codebuild:${ctx.region}:${ctx.accountId}:project/${name}`
export const buildArn = (ctx: Pick<BuildContext, 'region' | 'accountId'>, id: string) => `arn:aws:codebuild:${ctx.region}:${ctx.accountId}:build/${id}`
