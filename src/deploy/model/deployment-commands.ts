/**
 * What happens to a deployment between two reconciles: it is created, an agent reports an event's
 * result, an agent stops answering. Each returns a new state (the input is never mutated) and
 * whether it applied; the caller persists it and reconciles (`reconcileDeployment`). Stop is
 * `requestStop` in `deployment-engine.ts`.
 */
import { endEvent } from './deployment-engine.ts'
import type { DeploymentOverview, DeploymentState, DeploymentTargetState, EventDiagnostics, LifecycleEventName, LifecycleEventState } from './deployment-types.ts'
import { APPLICATION_STOP_EVENTS, IN_PLACE_EVENTS, LOG_TAIL_LIMIT } from './lifecycle.ts'

export type Applied = { state: DeploymentState; applied: boolean }

/** A new deployment, `Created`, every target Pending with every in-place lifecycle event Pending. Targets deploy in the order given (see `deploymentOrder`). */
export function newDeployment(args: { deploymentId: string; targetIds: readonly string[]; now: number; ignoreApplicationStopFailures?: boolean }): DeploymentState {
  return {
    deploymentId: args.deploymentId,
    status: 'Created',
    createTime: args.now,
    ignoreApplicationStopFailures: args.ignoreApplicationStopFailures ?? false,
    targets: args.targetIds.map((targetId) => ({
      targetId,
      status: 'Pending',
      lastUpdatedAt: args.now,
      lifecycleEvents: IN_PLACE_EVENTS.map((name): LifecycleEventState => ({ name, status: 'Pending' })),
    })),
  }
}

/** A host's health going into a deployment (CodeDeploy user guide, "Instance health"): unknown counts as unhealthy. */
export type TargetHealth = { targetId: string; instanceHealth?: 'Healthy' | 'Unhealthy'; revisionHealth?: 'Current' | 'Old' | 'Unknown' }

/** AWS's deployment order: unhealthy instances, then unknown revision, then old revision, then current revision; stable otherwise. */
export function deploymentOrder(targets: readonly TargetHealth[]): string[] {
  const rank = (t: TargetHealth) => (t.instanceHealth !== 'Healthy' ? 0 : t.revisionHealth === 'Old' ? 2 : t.revisionHealth === 'Current' ? 3 : 1)
  return targets
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
    .map(({ t }) => t.targetId)
}

/** An agent's PutHostCommandComplete for one event, diagnostics already read (see `agentDiagnostics`). */
export type EventResult = { targetId: string; lifecycleEvent: LifecycleEventName; status: 'Succeeded' | 'Failed'; diagnostics?: Partial<EventDiagnostics> }

/**
 * Records an event's result. Ignored (`applied: false`) unless that host's event is InProgress, so a
 * late or repeated report — after a lease expiry, a time-out, the end — changes nothing. A failed
 * ApplicationStop (or Before/AfterBlockTraffic) with `ignoreApplicationStopFailures` stays Failed
 * but does not stop the host.
 */
export function applyEventResult(input: DeploymentState, result: EventResult, now: number): Applied {
  const found = runningEvent(input, result.targetId, result.lifecycleEvent)
  if (!found) return { state: input, applied: false }
  const state = structuredClone(input)
  const { target, event } = runningEvent(state, result.targetId, result.lifecycleEvent) as { target: DeploymentTargetState; event: LifecycleEventState }
  const ok = result.status === 'Succeeded'
  const d = result.diagnostics ?? {}
  endEvent(event, result.status, {
    errorCode: d.errorCode ?? (ok ? 'Success' : 'UnknownError'),
    scriptName: d.scriptName ?? '',
    message: d.message ?? (ok ? 'Succeeded' : 'Failed'),
    logTail: (d.logTail ?? '').slice(-LOG_TAIL_LIMIT),
  }, now)
  if (!ok && state.ignoreApplicationStopFailures && APPLICATION_STOP_EVENTS.includes(event.name)) event.failureIgnored = true
  if (!ok && !event.failureIgnored) target.failure = 'hook'
  target.lastUpdatedAt = now
  return { state, applied: true }
}

/**
 * The host's agent stopped answering while `lifecycleEvent` ran (its command lease expired, or it
 * never picked the command up): the event fails with UnknownError and the host with it.
 */
export function applyLeaseExpiry(input: DeploymentState, lost: { targetId: string; lifecycleEvent: LifecycleEventName }, now: number): Applied {
  if (!runningEvent(input, lost.targetId, lost.lifecycleEvent)) return { state: input, applied: false }
  const state = structuredClone(input)
  const { target, event } = runningEvent(state, lost.targetId, lost.lifecycleEvent) as { target: DeploymentTargetState; event: LifecycleEventState }
  endEvent(event, 'Failed', { errorCode: 'UnknownError', scriptName: '', message: `The CodeDeploy agent on ${lost.targetId} stopped responding during ${lost.lifecycleEvent}: the agent stopped responding before reporting a result`, logTail: '' }, now)
  target.failure = 'agent'
  target.lastUpdatedAt = now
  return { state, applied: true }
}

function runningEvent(state: DeploymentState, targetId: string, name: LifecycleEventName): { target: DeploymentTargetState; event: LifecycleEventState } | undefined {
  const target = state.targets.find((t) => t.targetId === targetId)
  const event = target?.lifecycleEvents.find((e) => e.name === name)
  return target && event && event.status === 'InProgress' && target.status === 'InProgress' ? { target, event } : undefined
}

/** `deploymentOverview`: targets per status. `Ready` (blue/green) is always 0 here; `Unknown` targets are not counted. */
export function deploymentOverview(state: DeploymentState): DeploymentOverview {
  const overview: DeploymentOverview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 }
  for (const t of state.targets) if (t.status !== 'Unknown') overview[t.status]++
  return overview
}
