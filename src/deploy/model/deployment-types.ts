/**
 * The state of one in-place Server deployment as the pure engine sees it. Times are epoch
 * milliseconds passed in by the caller (the model never reads a clock); ids come from the caller.
 * The store keeps this as the deployment's JSON; the API edge maps it to `DeploymentInfo` /
 * `DeploymentTarget` (status strings and counters are already AWS's).
 */
import type { HealthPlan } from './deployment-config.ts'
import type { EventDiagnostics, LifecycleEventName, ScriptRevision } from './lifecycle.ts'

export type { EventDiagnostics, HealthPlan, LifecycleEventName }

/** `Queued` (waiting for the group's active deployment) and `Ready` (blue/green) are never entered by the engine; `Queued` waits for the caller to make it `Created`. */
export type DeploymentStatus = 'Created' | 'Queued' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped' | 'Ready'
export type TargetStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown'
export type LifecycleEventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown'

export const TERMINAL_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['Succeeded', 'Failed', 'Stopped']
export const isTerminalDeployment = (s: { status: DeploymentStatus }): boolean => TERMINAL_DEPLOYMENT_STATUSES.includes(s.status)

/**
 * The `errorInformation.code`s a Server in-place deployment ends with. `HOOK_EXECUTION_FAILURE` is
 * listed for completeness but never produced: on AWS it reports Lambda/ECS lifecycle-hook
 * functions, while failed appspec scripts on instances end as HEALTH_CONSTRAINTS.
 */
export type DeploymentErrorCode = 'HEALTH_CONSTRAINTS' | 'HEALTH_CONSTRAINTS_INVALID' | 'HOOK_EXECUTION_FAILURE' | 'AGENT_ISSUE' | 'MANUAL_STOP' | 'NO_INSTANCES' | 'TIMEOUT'
export type DeploymentError = { code: DeploymentErrorCode; message: string }

export type LifecycleEventState = {
  name: LifecycleEventName
  status: LifecycleEventStatus
  startTime?: number
  endTime?: number
  diagnostics?: EventDiagnostics
  /** The event failed but `ignoreApplicationStopFailures` let the host go on. */
  failureIgnored?: true
}

/** Why a host failed: a script/agent-reported failure, its agent stopped answering, a time limit, or the deployment ending between two of its events. */
export type TargetFailure = 'hook' | 'agent' | 'timeout' | 'interrupted'

export type DeploymentTargetState = {
  /** The instance (on-premises instance name) this target deploys to. */
  targetId: string
  status: TargetStatus
  lastUpdatedAt: number
  lifecycleEvents: LifecycleEventState[]
  failure?: TargetFailure
}

export type DeploymentState = {
  deploymentId: string
  status: DeploymentStatus
  createTime: number
  startTime?: number
  completeTime?: number
  ignoreApplicationStopFailures: boolean
  /** In deployment order (see `deploymentOrder`). */
  targets: DeploymentTargetState[]
  /** Fixed when the deployment starts (percentages converted to a host count then). */
  health?: HealthPlan
  /** StopDeployment was called. */
  stop?: { requestedAt: number; autoRollbackEnabled?: boolean }
  /** The outcome, once decided, while running hosts finish their current event. */
  ending?: { status: 'Failed' | 'Stopped'; error: DeploymentError }
  errorInformation?: DeploymentError
}

/** "Run lifecycle event E of deployment D on host H": hand it to that host's agent. The event is already recorded InProgress. */
export type HostCommand = {
  deploymentId: string
  targetId: string
  lifecycleEvent: LifecycleEventName
  /** For hook events: whose appspec and scripts run (ApplicationStop: the host's last successful revision). */
  scriptRevision?: ScriptRevision
}

/** Time limits (ms). AWS: a lifecycle event may run at most 3600 s; an in-place deployment at most 8 hours. */
export type DeploymentLimits = { lifecycleEventTimeoutMs: number; deploymentTimeoutMs: number }
export const DEFAULT_DEPLOYMENT_LIMITS: DeploymentLimits = Object.freeze({ lifecycleEventTimeoutMs: 3600 * 1000, deploymentTimeoutMs: 8 * 3600 * 1000 })

/** `deploymentOverview`: targets per status (member names are capitalised on the wire). */
export type DeploymentOverview = { Pending: number; InProgress: number; Succeeded: number; Failed: number; Skipped: number; Ready: number }
