import type { DeploymentRecord, TargetState } from './deployment-state.ts'
import { LIFECYCLE } from './deployment-state.ts'

/** A lifecycle event to hand to a host's agent. */
export type HostWork = { host: string; event: string }

/**
 * Minimum healthy hosts and concurrency for a fleet, per AWS (semantics 3.2): HOST_COUNT as given,
 * FLEET_PERCENT rounded up, OneAtATime (MOST_CONCURRENCY) one host at a time; hosts deployed at once =
 * fleet − minimum, at least 1.
 */
export function healthPlan(min: { type: string; value: number }, fleet: number): { minimum: number; concurrency: number; oneAtATime: boolean } {
  if (min.type === 'MOST_CONCURRENCY') return { minimum: Math.max(0, fleet - 1), concurrency: 1, oneAtATime: true }
  const minimum = min.type === 'FLEET_PERCENT' ? Math.ceil((min.value / 100) * fleet) : min.value
  return { minimum, concurrency: Math.max(1, fleet - minimum), oneAtATime: false }
}

const counts = (d: DeploymentRecord) => ({
  failed: d.targets.filter((t) => t.status === 'Failed').length,
  succeeded: d.targets.filter((t) => t.status === 'Succeeded').length,
  running: d.targets.filter((t) => t.status === 'InProgress').length,
  pending: d.targets.filter((t) => t.status === 'Pending').length,
})

/** True while the deployment can still end with enough healthy hosts. */
function canStillSucceed(d: DeploymentRecord): boolean {
  const n = d.targets.length
  const plan = healthPlan(d.minimumHealthyHosts, n)
  const { failed, succeeded, running, pending } = counts(d)
  if (plan.oneAtATime) {
    // Every host must succeed, except that a failure on the very last host still counts as success.
    if (n === 1) return failed === 0
    const lastFailedIsLast = failed === 1 && succeeded === n - 1
    return failed === 0 || (lastFailedIsLast && running === 0 && pending === 0)
  }
  return n - failed >= plan.minimum && succeeded + running + pending >= 1
}

function skipRest(t: TargetState, now: number): void {
  for (const e of t.events) if (e.status === 'Pending') e.status = 'Skipped'
  t.lastUpdatedAt = now
}

/**
 * Advances a deployment: starts hosts in batches (never more at once than the config allows), hands
 * each running host its next lifecycle event, ends hosts, and ends the deployment (Succeeded, Failed
 * with HEALTH_CONSTRAINTS once the minimum can no longer be met, Stopped). Pure; returns the work to
 * hand to agents.
 */
export function advanceDeployment(d: DeploymentRecord, now: number): HostWork[] {
  const work: HostWork[] = []
  if (d.status === 'Succeeded' || d.status === 'Failed' || d.status === 'Stopped') return work
  if (d.status === 'Created') {
    if (d.targets.length === 0) return end(d, 'Failed', now, { code: 'NO_INSTANCES', message: 'The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your on-premises instances identify the instances you want to deploy to, and then try again.' })
    const plan = healthPlan(d.minimumHealthyHosts, d.targets.length)
    if (!plan.oneAtATime && plan.minimum >= d.targets.length && d.minimumHealthyHosts.value > 0) {
      return end(d, 'Failed', now, { code: 'HEALTH_CONSTRAINTS_INVALID', message: `The minimum number of healthy instances (${plan.minimum}) is not less than the number of instances (${d.targets.length}); the deployment could never succeed.` })
    }
    d.status = 'InProgress'
    d.startTime = now
  }
  // Hosts in progress: finish them, or give them their next event.
  for (const t of d.targets.filter((x) => x.status === 'InProgress')) {
    const current = t.events.find((e) => e.status !== 'Succeeded' && e.status !== 'Skipped')
    if (!current) {
      t.status = 'Succeeded'
      t.lastUpdatedAt = now
    } else if (current.status === 'Failed') {
      t.status = 'Failed'
      skipRest(t, now)
    } else if (current.status === 'Pending' && !d.stop) {
      current.status = 'InProgress'
      current.startTime = now
      t.lastUpdatedAt = now
      work.push({ host: t.host, event: current.lifecycleEventName })
    } else if (current.status === 'Pending' && d.stop) {
      t.status = 'Failed'
      skipRest(t, now)
    }
  }
  const failing = !canStillSucceed(d)
  if (d.stop || failing) {
    for (const t of d.targets.filter((x) => x.status === 'Pending')) {
      t.status = 'Skipped'
      skipRest(t, now)
    }
  } else {
    const plan = healthPlan(d.minimumHealthyHosts, d.targets.length)
    let running = counts(d).running
    for (const t of d.targets.filter((x) => x.status === 'Pending')) {
      if (running >= plan.concurrency) break
      t.status = 'InProgress'
      const first = t.events[0]!
      first.status = 'InProgress'
      first.startTime = now
      t.lastUpdatedAt = now
      work.push({ host: t.host, event: first.lifecycleEventName })
      running++
    }
  }
  const c = counts(d)
  if (c.running > 0 || c.pending > 0) return work
  if (d.stop) end(d, 'Stopped', now, { code: 'MANUAL_STOP', message: 'The deployment was stopped by a request.' })
  else if (failing || !canStillSucceed(d)) end(d, 'Failed', now, { code: 'HEALTH_CONSTRAINTS', message: `The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems. (${c.failed} of ${d.targets.length} instances failed)` })
  else end(d, 'Succeeded', now)
  return work
}

function end(d: DeploymentRecord, status: 'Succeeded' | 'Failed' | 'Stopped', now: number, error?: { code: string; message: string }): HostWork[] {
  d.status = status
  d.completeTime = now
  d.errorInformation = error
  return []
}

/** Records an agent's result for a host's current event. Ignored unless that event is in progress. */
export function reportEvent(d: DeploymentRecord, host: string, event: string, ok: boolean, diagnostics: NonNullable<TargetState['events'][number]['diagnostics']>, now: number): boolean {
  const t = d.targets.find((x) => x.host === host)
  const e = t?.events.find((x) => x.lifecycleEventName === event)
  if (!t || !e || e.status !== 'InProgress') return false
  const tolerated = !ok && event === 'ApplicationStop' && d.ignoreApplicationStopFailures
  e.status = ok || tolerated ? 'Succeeded' : 'Failed'
  e.endTime = now
  e.diagnostics = diagnostics
  t.lastUpdatedAt = now
  return true
}

/** The targets of a new deployment: every matching host, all lifecycle events Pending. */
export function newTargets(hosts: string[], now: number): TargetState[] {
  return hosts.map((host) => ({ host, status: 'Pending', lastUpdatedAt: now, events: LIFECYCLE.map((name) => ({ lifecycleEventName: name, status: 'Pending' as const })) }))
}
