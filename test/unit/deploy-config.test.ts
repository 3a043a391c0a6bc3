/**
 * Minimum healthy hosts and batching, as AWS computes them. Sources:
 * - [UG-health] CodeDeploy user guide, "Instance health" → "Minimum healthy instances and
 *   deployments": percentages rounded up at start; never below the minimum; the 10-host examples
 *   (95 % → immediate failure; 9 → one at a time, last-host exception; 8 → two at a time; 0 → all).
 * - [UG-configs] user guide, "Working with deployment configurations": OneAtATime (all must succeed
 *   except the last; a single host must succeed), HalfAtATime (half at a time rounded down, at least
 *   half rounded up must succeed; 9 hosts → 4 at a time, 5 must succeed), AllAtOnce (≥ 1 success).
 * - [API] CreateDeploymentConfig / MinimumHealthyHosts model docs: 9 hosts, HOST_COUNT 6 → 3 at a
 *   time; FLEET_PERCENT 40 → 4 → 5 at a time. GetDeploymentConfig reports OneAtATime as
 *   MOST_CONCURRENCY/1 (shared/reference/api-surface.md §5.4).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  BUILT_IN_DEPLOYMENT_CONFIGS,
  builtInDeploymentConfig,
  canStillSucceed,
  maxConcurrentHosts,
  meetsMinimum,
  planHealth,
  requiredHealthyHosts,
  startAllowance,
  validateCustomDeploymentConfig,
  type MinimumHealthyHostsSpec,
} from '../../src/deploy/model/deployment-config.ts'
import { AwsError } from '../../src/shared/errors.ts'

const spec = (name: string): MinimumHealthyHostsSpec => builtInDeploymentConfig(`CodeDeployDefault.${name}`)!.minimumHealthyHosts

describe('built-in deployment configs', () => {
  it('are the three Server configs, as GetDeploymentConfig reports them [API]', () => {
    assert.deepEqual(BUILT_IN_DEPLOYMENT_CONFIGS.map((c) => [c.name, c.minimumHealthyHosts.type, c.minimumHealthyHosts.value]), [
      ['CodeDeployDefault.OneAtATime', 'MOST_CONCURRENCY', 1],
      ['CodeDeployDefault.HalfAtATime', 'FLEET_PERCENT', 50],
      ['CodeDeployDefault.AllAtOnce', 'HOST_COUNT', 0],
    ])
    assert.ok(Object.isFrozen(BUILT_IN_DEPLOYMENT_CONFIGS) && Object.isFrozen(BUILT_IN_DEPLOYMENT_CONFIGS[0]?.minimumHealthyHosts))
    assert.equal(builtInDeploymentConfig('CodeDeployDefault.Nope'), undefined)
  })
})

/** [hosts, minimum healthy, hosts at once] or [hosts, 'invalid'] per fleet size 1..10. */
type Row = [number, number, number] | [number, 'invalid']
const TABLES: [string, MinimumHealthyHostsSpec, Row[], string][] = [
  ['AllAtOnce', spec('AllAtOnce'), [[1, 0, 1], [2, 0, 2], [3, 0, 3], [4, 0, 4], [5, 0, 5], [6, 0, 6], [7, 0, 7], [8, 0, 8], [9, 0, 9], [10, 0, 10]], '[UG-health] minimum 0 → every instance at once'],
  ['HalfAtATime', spec('HalfAtATime'), [[1, 'invalid'], [2, 1, 1], [3, 2, 1], [4, 2, 2], [5, 3, 2], [6, 3, 3], [7, 4, 3], [8, 4, 4], [9, 5, 4], [10, 5, 5]], '[UG-configs] half at a time rounded down, half rounded up must succeed; 50 % of 1 rounds up to 1 = the fleet → fails at once [UG-health]'],
  ['OneAtATime', spec('OneAtATime'), [[1, 0, 1], [2, 1, 1], [3, 2, 1], [4, 3, 1], [5, 4, 1], [6, 5, 1], [7, 6, 1], [8, 7, 1], [9, 8, 1], [10, 9, 1]], '[UG-configs] one at a time; a single host must succeed (minimum 0, but ≥ 1 success)'],
  ['HOST_COUNT 6', { type: 'HOST_COUNT', value: 6 }, [[1, 'invalid'], [2, 'invalid'], [3, 'invalid'], [4, 'invalid'], [5, 'invalid'], [6, 'invalid'], [7, 6, 1], [8, 6, 2], [9, 6, 3], [10, 6, 4]], '[API] 9 hosts, HOST_COUNT 6 → 3 at a time; minimum ≥ fleet → fails at once'],
  ['FLEET_PERCENT 40', { type: 'FLEET_PERCENT', value: 40 }, [[1, 'invalid'], [2, 1, 1], [3, 2, 1], [4, 2, 2], [5, 2, 3], [6, 3, 3], [7, 3, 4], [8, 4, 4], [9, 4, 5], [10, 4, 6]], '[API] 40 % of 9 rounded up = 4 → 5 at a time; 40 % of 1 rounds up to 1 = the fleet'],
  ['FLEET_PERCENT 95', { type: 'FLEET_PERCENT', value: 95 }, [[1, 'invalid'], [2, 'invalid'], [3, 'invalid'], [4, 'invalid'], [5, 'invalid'], [6, 'invalid'], [7, 'invalid'], [8, 'invalid'], [9, 'invalid'], [10, 'invalid']], '[UG-health] 95 % of 10 rounds up to 10 → immediate failure'],
  ['FLEET_PERCENT 0', { type: 'FLEET_PERCENT', value: 0 }, [[1, 0, 1], [2, 0, 2], [3, 0, 3], [4, 0, 4], [5, 0, 5], [6, 0, 6], [7, 0, 7], [8, 0, 8], [9, 0, 9], [10, 0, 10]], '0 % behaves like AllAtOnce'],
]

describe('minimum healthy hosts and hosts at once, 1..10 hosts', () => {
  for (const [name, min, rows, source] of TABLES) {
    it(`${name} — ${source}`, () => {
      const actual = rows.map(([n]): Row => {
        const plan = planHealth(min, n)
        if (!plan.ok) return [n, 'invalid']
        assert.equal(plan.plan.minimumHealthy, requiredHealthyHosts(min, n))
        assert.equal(plan.plan.maxConcurrent, maxConcurrentHosts(min, n))
        return [n, plan.plan.minimumHealthy, plan.plan.maxConcurrent]
      })
      assert.deepEqual(actual, rows)
    })
  }

  it('a minimum the fleet can never keep is HEALTH_CONSTRAINTS_INVALID; no hosts is NO_INSTANCES', () => {
    const half = planHealth(spec('HalfAtATime'), 1)
    assert.equal(half.ok, false)
    assert.equal(!half.ok && half.code, 'HEALTH_CONSTRAINTS_INVALID')
    assert.match(!half.ok ? half.message : '', /50% of 1 instances, rounded up, is 1/)
    const none = planHealth(spec('AllAtOnce'), 0)
    assert.equal(!none.ok && none.code, 'NO_INSTANCES')
  })

  it('the user guide 10-host examples [UG-health]', () => {
    assert.equal(maxConcurrentHosts({ type: 'HOST_COUNT', value: 9 }, 10), 1)
    assert.equal(maxConcurrentHosts({ type: 'HOST_COUNT', value: 8 }, 10), 2)
    assert.equal(maxConcurrentHosts({ type: 'HOST_COUNT', value: 0 }, 10), 10)
    assert.equal(requiredHealthyHosts({ type: 'FLEET_PERCENT', value: 95 }, 10), 10)
    assert.equal(requiredHealthyHosts({ type: 'FLEET_PERCENT', value: 85 }, 10), 9)
  })

  it('percentages round up exactly (no floating-point drift)', () => {
    for (let fleet = 1; fleet <= 1000; fleet++) {
      for (const pct of [1, 33, 50, 67, 99]) assert.equal(requiredHealthyHosts({ type: 'FLEET_PERCENT', value: pct }, fleet), Math.ceil((pct * fleet) / 100 - 1e-9), `${pct}% of ${fleet}`)
    }
  })
})

describe('when a deployment can still succeed', () => {
  it('10 hosts, minimum 9: any failure with hosts left fails; the last host failing still succeeds [UG-health]', () => {
    assert.equal(canStillSucceed(10, 1, 9, 5), false)
    assert.equal(canStillSucceed(10, 1, 9, 0), true)
    assert.ok(meetsMinimum(9, 9))
  })

  it('10 hosts, minimum 8: a second failure with hosts left fails; the last host being the second still succeeds [UG-health]', () => {
    assert.equal(canStillSucceed(10, 1, 8, 4), true)
    assert.equal(startAllowance(10, 1, 0, 8), 1, 'one failure halves the window')
    assert.equal(canStillSucceed(10, 2, 8, 1), false)
    assert.equal(canStillSucceed(10, 2, 8, 0), true)
  })

  it('minimum 0: fails only when every host failed — at least one must succeed [UG-health]', () => {
    assert.equal(canStillSucceed(3, 2, 0, 0), true)
    assert.equal(canStillSucceed(3, 3, 0, 0), false)
    assert.equal(meetsMinimum(0, 0), false)
    assert.equal(meetsMinimum(1, 0), true)
  })

  it('OneAtATime of one host: the host must succeed [UG-configs]', () => {
    const min = requiredHealthyHosts(spec('OneAtATime'), 1)
    assert.equal(canStillSucceed(1, 0, min, 1), true)
    assert.equal(canStillSucceed(1, 1, min, 0), false)
  })

  it('HalfAtATime of 9: 5 must succeed, so a fifth failure — or a fourth with hosts left — fails [UG-configs]', () => {
    assert.equal(canStillSucceed(9, 3, 5, 2), true)
    assert.equal(canStillSucceed(9, 4, 5, 1), false)
    assert.equal(canStillSucceed(9, 4, 5, 0), true)
    assert.equal(canStillSucceed(9, 5, 5, 0), false)
  })
})

describe('custom deployment configs (CreateDeploymentConfig)', () => {
  const refuses = (name: string | undefined, min: Parameters<typeof validateCustomDeploymentConfig>[1], code: string) =>
    assert.throws(() => validateCustomDeploymentConfig(name, min), (e: unknown) => e instanceof AwsError && e.code === code, `${name} ${JSON.stringify(min)}`)

  it('accepts HOST_COUNT ≥ 0 and FLEET_PERCENT 0..99', () => {
    assert.deepEqual(validateCustomDeploymentConfig('Three', { type: 'HOST_COUNT', value: 3 }), { name: 'Three', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 } })
    assert.equal(validateCustomDeploymentConfig('P0', { type: 'FLEET_PERCENT', value: 0 }).minimumHealthyHosts.value, 0)
    assert.equal(validateCustomDeploymentConfig('P99', { type: 'FLEET_PERCENT', value: 99 }).minimumHealthyHosts.value, 99)
  })

  it('refuses bad names and values with the AWS exceptions', () => {
    refuses(undefined, { type: 'HOST_COUNT', value: 1 }, 'DeploymentConfigNameRequiredException')
    refuses('CodeDeployDefault.Mine', { type: 'HOST_COUNT', value: 1 }, 'InvalidDeploymentConfigNameException')
    refuses('x'.repeat(101), { type: 'HOST_COUNT', value: 1 }, 'InvalidDeploymentConfigNameException')
    refuses('m', undefined, 'InvalidMinimumHealthyHostValueException')
    refuses('m', { type: 'HOST_COUNT' }, 'InvalidMinimumHealthyHostValueException')
    refuses('m', { type: 'HOST_COUNT', value: -1 }, 'InvalidMinimumHealthyHostValueException')
    refuses('m', { type: 'HOST_COUNT', value: 1.5 }, 'InvalidMinimumHealthyHostValueException')
    refuses('m', { type: 'FLEET_PERCENT', value: 100 }, 'InvalidMinimumHealthyHostValueException')
    refuses('m', { type: 'MOST_CONCURRENCY' as 'HOST_COUNT', value: 1 }, 'InvalidMinimumHealthyHostValueException')
  })
})
