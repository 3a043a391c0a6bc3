/**
 * Lifecycle events of an in-place Server deployment (shared/reference/file-formats.md §2.2): their
 * order, who does each one's work, which revision's appspec a hook runs from, the environment AWS
 * gives hook scripts, and the agent's completion codes.
 */
import type { LifecycleErrorCode, RevisionLocation } from '../../protocol/models/codedeploy.types.ts'

/** The in-place order without a load balancer: what Slipway runs. */
export const IN_PLACE_EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const

/** The agent's `DEFAULT_ORDERED_LIFECYCLE_EVENTS`: the in-place order with a load balancer configured. */
export const LOAD_BALANCED_IN_PLACE_EVENTS = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  ...IN_PLACE_EVENTS,
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const

export type LifecycleEventName = (typeof LOAD_BALANCED_IN_PLACE_EVENTS)[number]

/** The ordered events each host of an in-place deployment goes through. Traffic events only with a load balancer. */
export function inPlaceLifecycle(options: { loadBalancer?: boolean } = {}): readonly LifecycleEventName[] {
  return options.loadBalancer === true ? LOAD_BALANCED_IN_PLACE_EVENTS : IN_PLACE_EVENTS
}

/** Who does an event's work: the agent's built-ins, the service (load balancer), or the appspec's scripts. */
export type EventRunner = 'agent' | 'service' | 'hooks'

export function eventRunner(event: LifecycleEventName): EventRunner {
  if (event === 'DownloadBundle' || event === 'Install') return 'agent'
  if (event === 'BlockTraffic' || event === 'AllowTraffic') return 'service'
  return 'hooks'
}

/** True when the event is sent to the host's agent as a host command (everything but the service-side traffic events). */
export function isAgentCommand(event: LifecycleEventName): boolean {
  return eventRunner(event) !== 'service'
}

/** Which revision's appspec and scripts a hook event runs. */
export type ScriptRevision = 'lastSuccessful' | 'current'

/**
 * `ApplicationStop`, `BeforeBlockTraffic` and `AfterBlockTraffic` run the appspec of the last
 * deployment whose Install succeeded on that host (the new bundle is not downloaded yet; on a
 * host's first deployment they do nothing); every other hook runs the new revision's. Undefined for
 * events that run no scripts.
 */
export function scriptRevisionFor(event: LifecycleEventName): ScriptRevision | undefined {
  if (eventRunner(event) !== 'hooks') return undefined
  return event === 'ApplicationStop' || event === 'BeforeBlockTraffic' || event === 'AfterBlockTraffic' ? 'lastSuccessful' : 'current'
}

/** Events whose failure `ignoreApplicationStopFailures` lets the host go past. */
export const APPLICATION_STOP_EVENTS: readonly LifecycleEventName[] = ['ApplicationStop', 'BeforeBlockTraffic', 'AfterBlockTraffic']

/** What a hook script is told about its deployment. */
export type HookContext = {
  lifecycleEvent: LifecycleEventName
  deploymentId: string
  applicationName: string
  deploymentGroupName: string
  deploymentGroupId: string
  /** The revision being deployed: adds the documented `BUNDLE_*` variables. */
  revision?: RevisionLocation
}

/**
 * The environment variables AWS documents for hook scripts: `LIFECYCLE_EVENT`, `DEPLOYMENT_ID`,
 * `APPLICATION_NAME`, `DEPLOYMENT_GROUP_NAME`, `DEPLOYMENT_GROUP_ID`; for an S3 revision
 * `BUNDLE_BUCKET`, `BUNDLE_KEY` and, when known, `BUNDLE_VERSION`, `BUNDLE_ETAG`; for a GitHub
 * revision `BUNDLE_COMMIT`. Nothing else.
 */
export function hookEnvironment(ctx: HookContext): Record<string, string> {
  const env: Record<string, string> = {
    LIFECYCLE_EVENT: ctx.lifecycleEvent,
    DEPLOYMENT_ID: ctx.deploymentId,
    APPLICATION_NAME: ctx.applicationName,
    DEPLOYMENT_GROUP_NAME: ctx.deploymentGroupName,
    DEPLOYMENT_GROUP_ID: ctx.deploymentGroupId,
  }
  const s3 = ctx.revision?.revisionType === 'S3' ? ctx.revision.s3Location : undefined
  if (s3 !== undefined) {
    if (s3.bucket !== undefined) env.BUNDLE_BUCKET = s3.bucket
    if (s3.key !== undefined) env.BUNDLE_KEY = s3.key
    if (s3.version !== undefined) env.BUNDLE_VERSION = s3.version
    if (s3.eTag !== undefined) env.BUNDLE_ETAG = s3.eTag
  }
  const commit = ctx.revision?.revisionType === 'GitHub' ? ctx.revision.gitHubLocation?.commitId : undefined
  if (commit !== undefined) env.BUNDLE_COMMIT = commit
  return env
}

/**
 * The agent's completion `error_code` (PutHostCommandComplete diagnostics) as a `LifecycleErrorCode`:
 * 0 Success, 1 ScriptMissing, 2 ScriptNotExecutable, 3 ScriptTimedOut, 4 ScriptFailed; 5 (unknown),
 * 6 (script left stdout/stderr open), 7 (failed after an agent restart) and anything else UnknownError.
 */
export function lifecycleErrorCode(agentErrorCode: number): LifecycleErrorCode {
  const codes: readonly LifecycleErrorCode[] = ['Success', 'ScriptMissing', 'ScriptNotExecutable', 'ScriptTimedOut', 'ScriptFailed']
  return codes[agentErrorCode] ?? 'UnknownError'
}

/** Most of a script's output AWS keeps in `diagnostics.logTail`. */
export const LOG_TAIL_LIMIT = 2048

/** An event result's diagnostics, normalised from the agent's JSON payload (`{error_code, script_name, message, log}`). */
export type EventDiagnostics = { errorCode: LifecycleErrorCode; scriptName: string; message: string; logTail: string }

/** Reads a PutHostCommandComplete diagnostics payload; unreadable payloads become an UnknownError saying so. */
export function agentDiagnostics(payload: string | undefined, succeeded: boolean): EventDiagnostics {
  let raw: unknown = {}
  try {
    raw = payload === undefined || payload === '' ? {} : JSON.parse(payload)
  } catch {
    return { errorCode: 'UnknownError', scriptName: '', message: 'The agent sent diagnostics that are not JSON', logTail: '' }
  }
  const d = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const code = typeof d.error_code === 'number' ? d.error_code : succeeded ? 0 : 5
  return {
    errorCode: lifecycleErrorCode(code),
    scriptName: typeof d.script_name === 'string' ? d.script_name : '',
    message: typeof d.message === 'string' ? d.message : succeeded ? 'Succeeded' : 'Failed',
    logTail: typeof d.log === 'string' ? d.log.slice(-LOG_TAIL_LIMIT) : '',
  }
}
