/**
 * The in-place deployment engine: a pure state machine. `reconcileDeployment` advances a deployment
 * as far as it can go now and returns the host commands to hand to agents; the functions in
 * `deployment-commands.ts` record what happened in between (an agent's result, a lost agent, a
 * stop), after which the caller reconciles again. Same inputs, same result; nothing is mutated.
 *
 * Rules (arithmetic in `deployment-config.ts`, sources there and in semantics.md §3):
 * - Hosts start in the state's target order, as many at once as the health plan allows; a host
 *   starts whenever a slot frees up (a rolling window, not lock-step waves), and each failure
 *   shrinks the window.
 * - Within a host the events run strictly in order, one host command at a time. A failed event
 *   fails the host and skips its remaining events (an ignored ApplicationStop failure does not).
 * - The outcome is decided as soon as the deployment can no longer succeed (or is stopped, or runs
 *   out of time): hosts not started are Skipped; running hosts finish their current event, then
 *   their remaining events are Skipped and the host counts as Failed (it was partly updated). The
 *   deployment takes its final status when no event is running.
 * - Success when every host is done and at least max(minimum, 1) hosts succeeded.
 */
import { AwsError } from '../../shared/errors.ts'
import type { DeploymentConfig } from './deployment-config.ts'
import { canStillSucceed, meetsMinimum, planHealth, startAllowance } from './deployment-config.ts'
import type { DeploymentError, DeploymentLimits, DeploymentState, DeploymentTargetState, HostCommand, LifecycleEventState } from './deployment-types.ts'
import { DEFAULT_DEPLOYMENT_LIMITS, isTerminalDeployment } from './deployment-types.ts'
import { scriptRevisionFor } from './lifecycle.ts'

export type ReconcileResult = { state: DeploymentState; commands: HostCommand[]; changed: boolean }

export const HEALTH_CONSTRAINTS_MESSAGE =
  'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.'

/**
 * Advances a deployment: starts it (or fails it before any host when it has no instances or its
 * minimum can never be kept), times out events and the deployment, moves hosts through their
 * events, starts hosts within the health plan, decides and records the outcome.
 */
export function reconcileDeployment(input: DeploymentState, config: DeploymentConfig, now: number, limits: DeploymentLimits = DEFAULT_DEPLOYMENT_LIMITS): ReconcileResult {
  const state = structuredClone(input)
  const commands: HostCommand[] = []
  const changed = advance(state, config, now, limits, commands)
  return { state, commands, changed }
}

/** StopDeployment's answer: `Succeeded` when nothing is running any more, `Pending` while running events finish. */
export type StopResult = { state: DeploymentState; status: 'Pending' | 'Succeeded'; statusMessage: string }

/**
 * StopDeployment: no further lifecycle event starts; events running now finish (their hosts then
 * count as Failed), hosts not started are Skipped, and the deployment ends `Stopped` (MANUAL_STOP).
 * A second stop while stopping changes nothing. Throws `DeploymentAlreadyCompletedException` for a
 * finished deployment.
 */
export function requestStop(input: DeploymentState, options: { autoRollbackEnabled?: boolean }, now: number, limits: DeploymentLimits = DEFAULT_DEPLOYMENT_LIMITS): StopResult {
  if (isTerminalDeployment(input)) throw new AwsError('DeploymentAlreadyCompletedException', `The deployment ${input.deploymentId} has already completed.`)
  const state = structuredClone(input)
  state.stop ??= { requestedAt: now, ...(options.autoRollbackEnabled !== undefined && { autoRollbackEnabled: options.autoRollbackEnabled }) }
  advance(state, undefined, now, limits, [])
  if (isTerminalDeployment(state)) return { state, status: 'Succeeded', statusMessage: `The deployment ${state.deploymentId} was stopped.` }
  const running = state.targets.filter((t) => t.status === 'InProgress').length
  return { state, status: 'Pending', statusMessage: `Stopping: ${running} instance(s) are finishing their current lifecycle event; no further events will start.` }
}

/** Returns true if anything changed. `config` is needed only to start a Created deployment. */
function advance(s: DeploymentState, config: DeploymentConfig | undefined, now: number, limits: DeploymentLimits, commands: HostCommand[]): boolean {
  if (isTerminalDeployment(s) || s.status === 'Ready') return false
  if (s.status === 'Queued' && !s.stop) return false
  let changed = false
  if (s.status === 'Created' || s.status === 'Queued') {
    if (s.stop) return finishBeforeStart(s, 'Stopped', { code: 'MANUAL_STOP', message: stopMessage() }, now)
    if (config === undefined) return false
    const planned = planHealth(config.minimumHealthyHosts, s.targets.length)
    if (!planned.ok) return finishBeforeStart(s, 'Failed', { code: planned.code, message: planned.message }, now)
    s.status = 'InProgress'
    s.startTime = now
    s.health = planned.plan
    changed = true
  }
  changed = applyTimeLimits(s, now, limits) || changed
  for (let pass = 0; pass < 10_000; pass++) {
    let progressed = false
    for (const t of s.targets) if (t.status === 'InProgress' && settleTarget(s, t, now, commands)) progressed = true
    if (!s.ending) {
      const ending = decideEnding(s)
      if (ending) {
        s.ending = ending
        for (const t of s.targets) if (t.status === 'Pending') skipTarget(t, now)
        progressed = true
      }
    }
    if (!s.ending && startHosts(s, now, commands)) progressed = true
    if (!progressed) break
    changed = true
  }
  if (s.targets.some((t) => t.status === 'InProgress' || t.status === 'Pending')) return changed
  const succeeded = s.targets.filter((t) => t.status === 'Succeeded').length
  if (s.ending) finish(s, s.ending.status, s.ending.error, now)
  else if (meetsMinimum(succeeded, s.health?.minimumHealthy ?? 0)) finish(s, 'Succeeded', undefined, now)
  else finish(s, 'Failed', healthError(s), now)
  return true
}

/** Fails events running past the per-event limit, and everything running once the deployment is past its own. */
function applyTimeLimits(s: DeploymentState, now: number, limits: DeploymentLimits): boolean {
  let changed = false
  const overall = s.startTime !== undefined && now - s.startTime >= limits.deploymentTimeoutMs
  if (overall && s.ending?.error.code !== 'TIMEOUT' && s.ending?.status !== 'Stopped') {
    const hours = Math.round((limits.deploymentTimeoutMs / 3_600_000) * 100) / 100
    s.ending = { status: 'Failed', error: { code: 'TIMEOUT', message: `The deployment timed out: an in-place deployment may run at most ${hours} hours.` } }
    for (const t of s.targets) if (t.status === 'Pending') skipTarget(t, now)
    changed = true
  }
  for (const t of s.targets) {
    const running = t.lifecycleEvents.find((e) => e.status === 'InProgress')
    if (!running) continue
    const eventOverdue = now - (running.startTime ?? now) >= limits.lifecycleEventTimeoutMs
    if (!overall && !eventOverdue) continue
    const message = eventOverdue
      ? `The lifecycle event ${running.name} did not finish within ${Math.round(limits.lifecycleEventTimeoutMs / 1000)} seconds`
      : `The lifecycle event ${running.name} was ended because the deployment timed out`
    endEvent(running, 'Failed', { errorCode: 'UnknownError', scriptName: '', message, logTail: '' }, now)
    t.failure = 'timeout'
    t.lastUpdatedAt = now
    changed = true
  }
  return changed
}

/** Moves a running host on: next event, or its end. Returns true if anything changed. */
function settleTarget(s: DeploymentState, t: DeploymentTargetState, now: number, commands: HostCommand[]): boolean {
  const current = t.lifecycleEvents.find((e) => e.status !== 'Succeeded' && e.status !== 'Skipped' && !(e.status === 'Failed' && e.failureIgnored))
  if (current === undefined) {
    t.status = 'Succeeded'
    t.lastUpdatedAt = now
    return true
  }
  if (current.status === 'InProgress') return false
  if (current.status === 'Failed' || current.status === 'Unknown') {
    endTarget(t, 'Failed', now)
    t.failure ??= 'hook'
    return true
  }
  if (s.ending) {
    endTarget(t, 'Failed', now)
    t.failure ??= 'interrupted'
    return true
  }
  startEvent(s, t, current, now, commands)
  return true
}

/** Starts as many pending hosts as the health plan allows now. */
function startHosts(s: DeploymentState, now: number, commands: HostCommand[]): boolean {
  const plan = s.health
  if (!plan) return false
  const failed = s.targets.filter((t) => t.status === 'Failed').length
  const inFlight = s.targets.filter((t) => t.status === 'InProgress').length
  let allowance = Math.min(startAllowance(plan.fleet, failed, inFlight, plan.minimumHealthy), plan.maxConcurrent - inFlight)
  let started = false
  for (const t of s.targets) {
    if (allowance <= 0) break
    if (t.status !== 'Pending') continue
    const first = t.lifecycleEvents[0]
    if (first === undefined) continue
    t.status = 'InProgress'
    startEvent(s, t, first, now, commands)
    allowance--
    started = true
  }
  return started
}

/** The outcome to head for now, if it is already decided: a stop, or a minimum that can no longer be met. */
function decideEnding(s: DeploymentState): DeploymentState['ending'] {
  if (s.stop) return { status: 'Stopped', error: { code: 'MANUAL_STOP', message: stopMessage() } }
  const plan = s.health
  if (!plan) return undefined
  const failed = s.targets.filter((t) => t.status === 'Failed').length
  const notStarted = s.targets.filter((t) => t.status === 'Pending').length
  if (canStillSucceed(plan.fleet, failed, plan.minimumHealthy, notStarted)) return undefined
  return { status: 'Failed', error: healthError(s) }
}

/** HEALTH_CONSTRAINTS, or AGENT_ISSUE when every failed host failed because its agent stopped answering. */
function healthError(s: DeploymentState): DeploymentError {
  const failed = s.targets.filter((t) => t.status === 'Failed')
  const detail = ` (${failed.length} of ${s.targets.length} instances failed; at least ${Math.max(s.health?.minimumHealthy ?? 0, 1)} must succeed)`
  if (failed.length > 0 && failed.every((t) => t.failure === 'agent')) {
    return { code: 'AGENT_ISSUE', message: `The overall deployment failed because the CodeDeploy agent stopped responding on too many instances. Check that the agent is running on those instances and can reach the deployment service${detail}.` }
  }
  return { code: 'HEALTH_CONSTRAINTS', message: HEALTH_CONSTRAINTS_MESSAGE.replace(/\.$/, `${detail}.`) }
}

function stopMessage(): string {
  return 'The deployment was stopped by a StopDeployment request.'
}

function startEvent(s: DeploymentState, t: DeploymentTargetState, e: LifecycleEventState, now: number, commands: HostCommand[]): void {
  e.status = 'InProgress'
  e.startTime = now
  t.lastUpdatedAt = now
  const scriptRevision = scriptRevisionFor(e.name)
  commands.push({ deploymentId: s.deploymentId, targetId: t.targetId, lifecycleEvent: e.name, ...(scriptRevision !== undefined && { scriptRevision }) })
}

export function endEvent(e: LifecycleEventState, status: 'Succeeded' | 'Failed', diagnostics: LifecycleEventState['diagnostics'], now: number): void {
  e.status = status
  e.endTime = now
  if (diagnostics !== undefined) e.diagnostics = diagnostics
}

/** Ends a host: its events not yet run become Skipped. */
function endTarget(t: DeploymentTargetState, status: 'Failed' | 'Skipped', now: number): void {
  t.status = status
  t.lastUpdatedAt = now
  for (const e of t.lifecycleEvents) if (e.status === 'Pending') e.status = 'Skipped'
}

function skipTarget(t: DeploymentTargetState, now: number): void {
  endTarget(t, 'Skipped', now)
}

function finishBeforeStart(s: DeploymentState, status: 'Failed' | 'Stopped', error: DeploymentError, now: number): true {
  for (const t of s.targets) skipTarget(t, now)
  finish(s, status, error, now)
  return true
}

function finish(s: DeploymentState, status: 'Succeeded' | 'Failed' | 'Stopped', error: DeploymentError | undefined, now: number): void {
  s.status = status
  s.completeTime = now
  delete s.ending
  if (error !== undefined) s.errorInformation = error
}
