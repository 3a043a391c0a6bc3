/**
 * Deployment configurations for the Server platform and AWS's minimum-healthy-hosts arithmetic
 * (shared/reference/semantics.md §3.2; CodeDeploy user guide, "Instance health" and "Working with
 * deployment configurations").
 *
 * The rules, each with its source:
 * - HOST_COUNT: the minimum is the value as given.
 * - FLEET_PERCENT: converted to a host count when the deployment starts, rounding fractional hosts
 *   UP ("AWS CodeDeploy converts the percentage to the equivalent number of instances, rounding up
 *   any fractional instances"): 40 % of 9 → 4, 50 % of 9 → 5, 95 % of 10 → 10.
 * - OneAtATime (reported as `MOST_CONCURRENCY`/1, the user guide's "99 %"): one host at a time, so at
 *   most one host may be unhealthy: minimum = fleet − 1. With the rules below this gives the
 *   documented outcome: every host must succeed except that a failure on the very last host still
 *   succeeds, and a one-host group needs its host to succeed.
 * - Hosts deployed at once = fleet − minimum, at least 1 ("deploys to as many instances as it can
 *   without any risk of having the number of healthy instances fall below the minimum"): 10 hosts
 *   with minimum 9 → 1, minimum 8 → 2, minimum 0 → 10; HalfAtATime of 9 → 4.
 * - A host is healthy unless it failed in this deployment; a host being deployed is offline. A host
 *   may start only while the hosts not failed and not in flight, minus it, stay ≥ the minimum — so
 *   each failure shrinks the allowance.
 * - A minimum ≥ the fleet fails the deployment before any host starts (HEALTH_CONSTRAINTS_INVALID):
 *   "the number of healthy instances will already be less than or equal to the specified minimum …
 *   and AWS CodeDeploy will immediately fail the overall deployment" (so HalfAtATime cannot deploy
 *   to a single host: 50 % of 1 rounds up to 1).
 * - The deployment fails as soon as the healthy hosts fall to the minimum while hosts remain to be
 *   deployed ("If the number of healthy instances falls to the specified minimum number at any
 *   point in the deployment process, AWS CodeDeploy stops the deployment").
 * - Success needs ≥ minimum successful hosts AND ≥ 1 ("even if the minimum healthy hosts value is
 *   0, deployment to at least one instance must succeed").
 */
import type { MinimumHealthyHosts } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'

/** `MOST_CONCURRENCY` is what GetDeploymentConfig reports for OneAtATime; it is outside the API model's enum. */
export type MinimumHealthyHostsType = 'HOST_COUNT' | 'FLEET_PERCENT' | 'MOST_CONCURRENCY'
export type MinimumHealthyHostsSpec = { readonly type: MinimumHealthyHostsType; readonly value: number }
export type DeploymentConfig = { readonly name: string; readonly minimumHealthyHosts: MinimumHealthyHostsSpec }

export const DEFAULT_DEPLOYMENT_CONFIG_NAME = 'CodeDeployDefault.OneAtATime'
export const BUILT_IN_PREFIX = 'CodeDeployDefault.'

/** The built-in Server configs, exactly as GetDeploymentConfig reports their minimum healthy hosts. */
export const BUILT_IN_DEPLOYMENT_CONFIGS: readonly DeploymentConfig[] = Object.freeze([
  Object.freeze({ name: 'CodeDeployDefault.OneAtATime', minimumHealthyHosts: Object.freeze({ type: 'MOST_CONCURRENCY', value: 1 } as const) }),
  Object.freeze({ name: 'CodeDeployDefault.HalfAtATime', minimumHealthyHosts: Object.freeze({ type: 'FLEET_PERCENT', value: 50 } as const) }),
  Object.freeze({ name: 'CodeDeployDefault.AllAtOnce', minimumHealthyHosts: Object.freeze({ type: 'HOST_COUNT', value: 0 } as const) }),
])

export function builtInDeploymentConfig(name: string): DeploymentConfig | undefined {
  return BUILT_IN_DEPLOYMENT_CONFIGS.find((c) => c.name === name)
}

/**
 * CreateDeploymentConfig for the Server platform: a name (1–100 characters, not starting with
 * `CodeDeployDefault.`) and minimum healthy hosts of type HOST_COUNT (a whole number ≥ 0) or
 * FLEET_PERCENT (a whole number 0–99). Throws the AWS exception otherwise.
 */
export function validateCustomDeploymentConfig(name: string | undefined, minimum: MinimumHealthyHosts | undefined): DeploymentConfig {
  if (name === undefined || name === '') throw new AwsError('DeploymentConfigNameRequiredException', 'The deployment configuration name was not specified.')
  if (name.length > 100) throw new AwsError('InvalidDeploymentConfigNameException', 'The deployment configuration name must be at most 100 characters long.')
  if (name.startsWith(BUILT_IN_PREFIX)) throw new AwsError('InvalidDeploymentConfigNameException', `Deployment configuration names may not start with ${BUILT_IN_PREFIX}`)
  const { type, value } = minimum ?? {}
  if (type === undefined || value === undefined) throw new AwsError('InvalidMinimumHealthyHostValueException', 'minimumHealthyHosts with a type (HOST_COUNT or FLEET_PERCENT) and a value is required for the Server compute platform.')
  if (type !== 'HOST_COUNT' && type !== 'FLEET_PERCENT') throw new AwsError('InvalidMinimumHealthyHostValueException', `The minimum healthy hosts type must be HOST_COUNT or FLEET_PERCENT: found ${String(type)}.`)
  if (!Number.isInteger(value) || value < 0 || (type === 'FLEET_PERCENT' && value > 99)) {
    throw new AwsError('InvalidMinimumHealthyHostValueException', type === 'FLEET_PERCENT' ? `A FLEET_PERCENT minimum must be a whole number from 0 to 99: found ${value}.` : `A HOST_COUNT minimum must be a whole number of at least 0: found ${value}.`)
  }
  return { name, minimumHealthyHosts: { type, value } }
}

/** Hosts that must stay healthy for a fleet: HOST_COUNT as given, FLEET_PERCENT rounded up, MOST_CONCURRENCY fleet − value (OneAtATime: fleet − 1). */
export function requiredHealthyHosts(minimum: MinimumHealthyHostsSpec, fleet: number): number {
  if (minimum.type === 'HOST_COUNT') return minimum.value
  if (minimum.type === 'FLEET_PERCENT') return Math.floor((minimum.value * fleet + 99) / 100)
  return Math.max(0, fleet - Math.max(1, minimum.value))
}

/** Hosts deployed at the same time when none has failed: fleet − minimum, at least 1. */
export function maxConcurrentHosts(minimum: MinimumHealthyHostsSpec, fleet: number): number {
  return Math.max(1, fleet - requiredHealthyHosts(minimum, fleet))
}

/** What a deployment of `fleet` hosts must respect, fixed when it starts. */
export type HealthPlan = { readonly fleet: number; readonly minimumHealthy: number; readonly maxConcurrent: number }

export type HealthPlanResult =
  | { readonly ok: true; readonly plan: HealthPlan }
  | { readonly ok: false; readonly code: 'NO_INSTANCES' | 'HEALTH_CONSTRAINTS_INVALID'; readonly message: string }

export const NO_INSTANCES_MESSAGE =
  'The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your instances correctly identify the instances you want to deploy to, and then try again.'

/** The plan for a fleet, or why a deployment to it must fail before starting (no hosts; a minimum that can never be kept). */
export function planHealth(minimum: MinimumHealthyHostsSpec, fleet: number): HealthPlanResult {
  if (fleet <= 0) return { ok: false, code: 'NO_INSTANCES', message: NO_INSTANCES_MESSAGE }
  const minimumHealthy = requiredHealthyHosts(minimum, fleet)
  if (minimumHealthy >= fleet) {
    const asked = minimum.type === 'FLEET_PERCENT' ? `${minimum.value}% of ${fleet} instances, rounded up, is ${minimumHealthy}` : `the minimum is ${minimumHealthy}`
    return {
      ok: false,
      code: 'HEALTH_CONSTRAINTS_INVALID',
      message: `The deployment failed because the minimum number of healthy instances must be less than the number of instances in the deployment (${fleet}), but ${asked}. Lower the minimum healthy hosts of the deployment configuration or add instances, and then try again.`,
    }
  }
  return { ok: true, plan: { fleet, minimumHealthy, maxConcurrent: Math.max(1, fleet - minimumHealthy) } }
}

/**
 * How many more hosts may start now: a host may go offline only while the hosts neither failed nor
 * in flight, minus it, stay at or above the minimum.
 */
export function startAllowance(fleet: number, failedCount: number, inFlight: number, minimumHealthy: number): number {
  return Math.max(0, fleet - minimumHealthy - failedCount - inFlight)
}

/**
 * True while a deployment can still succeed: enough hosts have not failed to reach
 * max(minimum, 1) successes, and — when `notStarted` hosts remain — one more of them can still go
 * offline without breaching the minimum (otherwise AWS stops the deployment: the healthy hosts
 * have fallen to the minimum while hosts remain).
 */
export function canStillSucceed(fleet: number, failedCount: number, minimumHealthy: number, notStarted = 0): boolean {
  const healthy = fleet - failedCount
  if (healthy < Math.max(minimumHealthy, 1)) return false
  return notStarted === 0 || healthy - 1 >= minimumHealthy
}

/** The end-of-deployment test: at least the minimum, and at least one, host succeeded. */
export function meetsMinimum(succeededCount: number, minimumHealthy: number): boolean {
  return succeededCount >= Math.max(minimumHealthy, 1)
}
