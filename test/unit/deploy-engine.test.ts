/**
 * Scenarios for the in-place deployment engine, driven by a deterministic fake fleet of agents: each
 * host command is answered in dispatch order by a behaviour function, the clock moves 10 ms per
 * answer, and structural invariants are checked after every reconcile.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { builtInDeploymentConfig, type DeploymentConfig } from '../../src/deploy/model/deployment-config.ts'
import { applyEventResult, applyLeaseExpiry, deploymentOrder, deploymentOverview, newDeployment } from '../../src/deploy/model/deployment-commands.ts'
import { reconcileDeployment, requestStop } from '../../src/deploy/model/deployment-engine.ts'
import type { DeploymentState, HostCommand, LifecycleEventName } from '../../src/deploy/model/deployment-types.ts'
import { IN_PLACE_EVENTS } from '../../src/deploy/model/lifecycle.ts'
import { AwsError } from '../../src/shared/errors.ts'

const ONE = builtInDeploymentConfig('CodeDeployDefault.OneAtATime')!
const HALF = builtInDeploymentConfig('CodeDeployDefault.HalfAtATime')!
const ALL = builtInDeploymentConfig('CodeDeployDefault.AllAtOnce')!
const hostCount = (value: number): DeploymentConfig => ({ name: `Keep${value}`, minimumHealthyHosts: { type: 'HOST_COUNT', value } })
const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`)

type Outcome = 'Succeeded' | 'Failed' | 'lost' | 'hold'
type Behaviour = (host: string, event: LifecycleEventName) => Outcome

/** A deployment plus a fake fleet. Commands wait in `outstanding` until answered. */
function fleet(config: DeploymentConfig, targetIds: string[], options: { ignoreApplicationStopFailures?: boolean } = {}) {
  let now = 1_000
  let state = newDeployment({ deploymentId: 'd-ENGINE001', targetIds, now, ...options })
  const log: string[] = []
  let outstanding: HostCommand[] = []
  let maxInFlight = 0
  const held: HostCommand[] = []
  const d = {
    get state() { return state },
    get now() { return now },
    log,
    get outstanding() { return outstanding },
    get maxInFlight() { return maxInFlight },
    held,
    advance(ms: number) { now += ms },
    reconcile() {
      const r = reconcileDeployment(state, config, now)
      state = r.state
      outstanding.push(...r.commands)
      log.push(...r.commands.map((c) => `${c.targetId}:${c.lifecycleEvent}`))
      maxInFlight = Math.max(maxInFlight, state.targets.filter((t) => t.status === 'InProgress').length)
      checkInvariants(state, config)
      return r
    },
    /** Answers one outstanding command of `host` (the oldest) and reconciles. */
    answer(host: string, outcome: Exclude<Outcome, 'hold'>) {
      const i = outstanding.findIndex((c) => c.targetId === host)
      assert.ok(i >= 0, `${host} has no outstanding command`)
      const [c] = outstanding.splice(i, 1) as [HostCommand]
      now += 10
      const r = outcome === 'lost'
        ? applyLeaseExpiry(state, c, now)
        : applyEventResult(state, { targetId: c.targetId, lifecycleEvent: c.lifecycleEvent, status: outcome, ...(outcome === 'Failed' && { diagnostics: { errorCode: 'ScriptFailed', scriptName: `scripts/${c.lifecycleEvent}.sh`, message: 'Script at specified location: scripts/x.sh run as user root failed with exit code 1', logTail: '[stderr]boom' } }) }, now)
      assert.ok(r.applied, `${host}:${c.lifecycleEvent} was running`)
      state = r.state
      return d.reconcile()
    },
    /** Answers every command in dispatch order until none is left (or all left are held). */
    run(behave: Behaviour = () => 'Succeeded') {
      for (let i = 0; i < 10_000 && outstanding.length > 0; i++) {
        const c = outstanding[0] as HostCommand
        const outcome = behave(c.targetId, c.lifecycleEvent)
        if (outcome === 'hold') {
          held.push(c)
          outstanding = outstanding.slice(1)
          continue
        }
        d.answer(c.targetId, outcome)
      }
      return d
    },
    stop(autoRollbackEnabled?: boolean) {
      const r = requestStop(state, autoRollbackEnabled === undefined ? {} : { autoRollbackEnabled }, now)
      state = r.state
      checkInvariants(state, config)
      return r
    },
    target: (id: string) => state.targets.find((t) => t.targetId === id)!,
    statuses: () => state.targets.map((t) => t.status),
    events: (id: string) => d.target(id).lifecycleEvents.map((e) => `${e.name}:${e.status}`),
  }
  d.reconcile()
  return d
}

/** Holds after every step, whatever the scenario. */
function checkInvariants(s: DeploymentState, config: DeploymentConfig): void {
  for (const t of s.targets) {
    const statuses = t.lifecycleEvents.map((e) => e.status)
    assert.ok(statuses.filter((x) => x === 'InProgress').length <= 1, `${t.targetId}: one event at a time`)
    const firstOpen = statuses.findIndex((x) => x === 'Pending' || x === 'InProgress')
    if (firstOpen >= 0) assert.ok(statuses.slice(firstOpen + 1).every((x) => x === 'Pending'), `${t.targetId}: events run in order: ${statuses.join(',')}`)
    if (t.status === 'Pending') assert.ok(statuses.every((x) => x === 'Pending'))
    if (t.status === 'Succeeded') assert.ok(t.lifecycleEvents.every((e) => e.status === 'Succeeded' || e.failureIgnored))
    if (t.status === 'Skipped') assert.ok(statuses.every((x) => x === 'Skipped'))
    if (t.status === 'Failed') assert.ok(statuses.every((x) => x !== 'Pending' && x !== 'InProgress'))
    for (const e of t.lifecycleEvents) if (e.status === 'Succeeded' || e.status === 'Failed') assert.ok(e.startTime !== undefined && e.endTime !== undefined && e.endTime >= e.startTime)
  }
  if (s.health) assert.ok(s.targets.filter((t) => t.status === 'InProgress').length <= s.health.maxConcurrent, `${config.name}: at most ${s.health.maxConcurrent} hosts at once`)
  const terminal = s.status === 'Succeeded' || s.status === 'Failed' || s.status === 'Stopped'
  if (terminal) {
    assert.ok(s.completeTime !== undefined)
    assert.ok(s.targets.every((t) => t.status !== 'Pending' && t.status !== 'InProgress'))
    assert.equal(s.errorInformation === undefined, s.status === 'Succeeded')
  }
  const o = deploymentOverview(s)
  assert.equal(o.Pending + o.InProgress + o.Succeeded + o.Failed + o.Skipped, s.targets.length)
}

describe('batching', () => {
  it('OneAtATime never overlaps hosts: each host runs all 7 events before the next starts', () => {
    const d = fleet(ONE, hosts(4)).run()
    assert.equal(d.state.status, 'Succeeded')
    assert.equal(d.maxInFlight, 1)
    assert.deepEqual(d.log, hosts(4).flatMap((h) => IN_PLACE_EVENTS.map((e) => `${h}:${e}`)))
    assert.deepEqual(deploymentOverview(d.state), { Pending: 0, InProgress: 0, Succeeded: 4, Failed: 0, Skipped: 0, Ready: 0 })
  })

  it('AllAtOnce starts every host on the first reconcile', () => {
    const d = fleet(ALL, hosts(5))
    assert.deepEqual(d.log, hosts(5).map((h) => `${h}:ApplicationStop`))
    assert.equal(d.state.status, 'InProgress')
    assert.deepEqual(deploymentOverview(d.state), { Pending: 0, InProgress: 5, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 })
    assert.equal(d.run().state.status, 'Succeeded')
  })

  it('HalfAtATime of 9 keeps at most 4 hosts in flight and starts the next as a slot frees up', () => {
    const d = fleet(HALF, hosts(9))
    assert.deepEqual(d.log, ['h1', 'h2', 'h3', 'h4'].map((h) => `${h}:ApplicationStop`))
    d.run()
    assert.equal(d.maxInFlight, 4)
    assert.equal(d.state.status, 'Succeeded')
    assert.deepEqual(d.state.health, { fleet: 9, minimumHealthy: 5, maxConcurrent: 4 })
  })

  it('each failure shrinks the window: 10 hosts, minimum 8 → two at a time, one at a time after a failure', () => {
    const d = fleet(hostCount(8), hosts(10))
    assert.equal(d.state.targets.filter((t) => t.status === 'InProgress').length, 2)
    d.answer('h1', 'Failed')
    assert.equal(d.target('h1').status, 'Failed')
    d.run()
    assert.equal(d.state.status, 'Succeeded')
    const inFlightAfter = d.log.indexOf('h3:ApplicationStop')
    assert.ok(inFlightAfter > d.log.lastIndexOf('h2:ValidateService'), 'h3 waited for h2: the window is 1 after a failure')
  })

  it('a host command says which revision a hook runs from', () => {
    const d = fleet(ONE, ['h1'])
    const seen: HostCommand[] = []
    for (let i = 0; i < 7; i++) {
      seen.push(d.outstanding[0]!)
      d.answer('h1', 'Succeeded')
    }
    assert.deepEqual(seen.map((c) => [c.lifecycleEvent, c.scriptRevision]), [
      ['ApplicationStop', 'lastSuccessful'], ['DownloadBundle', undefined], ['BeforeInstall', 'current'], ['Install', undefined],
      ['AfterInstall', 'current'], ['ApplicationStart', 'current'], ['ValidateService', 'current'],
    ])
    assert.equal(seen[0]?.deploymentId, 'd-ENGINE001')
  })

  it('deploys in AWS order: unhealthy, unknown revision, old revision, current revision', () => {
    assert.deepEqual(deploymentOrder([
      { targetId: 'current', instanceHealth: 'Healthy', revisionHealth: 'Current' },
      { targetId: 'old', instanceHealth: 'Healthy', revisionHealth: 'Old' },
      { targetId: 'unknown', instanceHealth: 'Healthy', revisionHealth: 'Unknown' },
      { targetId: 'sick', instanceHealth: 'Unhealthy', revisionHealth: 'Current' },
      { targetId: 'new' },
    ]), ['sick', 'new', 'unknown', 'old', 'current'])
  })
})

describe('a failing ValidateService on 1 of 3 hosts', () => {
  // AllAtOnce: minimum 0, ≥ 1 success → succeeds wherever it fails.
  // HalfAtATime of 3: minimum 2, 1 at a time; OneAtATime of 3: minimum 2, 1 at a time → a failure
  // with hosts left fails at once (the others Skipped); on the last host it still succeeds.
  const cases: [DeploymentConfig, string, string, string[]][] = [
    [ALL, 'h1', 'Succeeded', ['Failed', 'Succeeded', 'Succeeded']],
    [ALL, 'h2', 'Succeeded', ['Succeeded', 'Failed', 'Succeeded']],
    [ALL, 'h3', 'Succeeded', ['Succeeded', 'Succeeded', 'Failed']],
    [HALF, 'h1', 'Failed', ['Failed', 'Skipped', 'Skipped']],
    [HALF, 'h2', 'Failed', ['Succeeded', 'Failed', 'Skipped']],
    [HALF, 'h3', 'Succeeded', ['Succeeded', 'Succeeded', 'Failed']],
    [ONE, 'h1', 'Failed', ['Failed', 'Skipped', 'Skipped']],
    [ONE, 'h2', 'Failed', ['Succeeded', 'Failed', 'Skipped']],
    [ONE, 'h3', 'Succeeded', ['Succeeded', 'Succeeded', 'Failed']],
  ]
  for (const [config, bad, outcome, targets] of cases) {
    it(`${config.name}, failing on ${bad} → ${outcome}`, () => {
      const d = fleet(config, hosts(3)).run((h, e) => (h === bad && e === 'ValidateService' ? 'Failed' : 'Succeeded'))
      assert.equal(d.state.status, outcome)
      assert.deepEqual(d.statuses(), targets)
      if (outcome === 'Failed') {
        assert.equal(d.state.errorInformation?.code, 'HEALTH_CONSTRAINTS')
        assert.match(d.state.errorInformation?.message ?? '', /^The overall deployment failed because too many individual instances failed deployment.*\(1 of 3 instances failed; at least 2 must succeed\)\.$/)
      }
      const failed = d.target(bad)
      assert.deepEqual(failed.lifecycleEvents.at(-1)?.diagnostics, { errorCode: 'ScriptFailed', scriptName: 'scripts/ValidateService.sh', message: 'Script at specified location: scripts/x.sh run as user root failed with exit code 1', logTail: '[stderr]boom' })
      assert.equal(failed.failure, 'hook')
    })
  }

  it('AllAtOnce fails only when every host fails', () => {
    const d = fleet(ALL, hosts(3)).run((_h, e) => (e === 'ValidateService' ? 'Failed' : 'Succeeded'))
    assert.equal(d.state.status, 'Failed')
    assert.equal(d.state.errorInformation?.code, 'HEALTH_CONSTRAINTS')
  })
})

describe('within a host', () => {
  it('a failed event fails the host and skips its remaining events', () => {
    const d = fleet(ALL, ['h1', 'h2']).run((h, e) => (h === 'h1' && e === 'BeforeInstall' ? 'Failed' : 'Succeeded'))
    assert.deepEqual(d.events('h1'), ['ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Failed', 'Install:Skipped', 'AfterInstall:Skipped', 'ApplicationStart:Skipped', 'ValidateService:Skipped'])
    assert.equal(d.target('h1').status, 'Failed')
    assert.ok(!d.log.includes('h1:Install'))
    assert.equal(d.state.status, 'Succeeded')
  })

  it('ignoreApplicationStopFailures lets a host go past a failed ApplicationStop (the event stays Failed)', () => {
    const fail = (_h: string, e: LifecycleEventName): Outcome => (e === 'ApplicationStop' ? 'Failed' : 'Succeeded')
    const tolerant = fleet(ONE, ['h1'], { ignoreApplicationStopFailures: true }).run(fail)
    assert.equal(tolerant.state.status, 'Succeeded')
    assert.deepEqual(tolerant.events('h1').slice(0, 2), ['ApplicationStop:Failed', 'DownloadBundle:Succeeded'])
    assert.equal(tolerant.target('h1').lifecycleEvents[0]?.failureIgnored, true)
    const strict = fleet(ONE, ['h1']).run(fail)
    assert.equal(strict.state.status, 'Failed')
    assert.deepEqual(strict.events('h1').slice(0, 2), ['ApplicationStop:Failed', 'DownloadBundle:Skipped'])
  })

  it('ignores a result for an event that is not running (late, repeated, or another event)', () => {
    const d = fleet(ONE, ['h1'])
    const before = d.state
    assert.equal(applyEventResult(before, { targetId: 'h1', lifecycleEvent: 'Install', status: 'Succeeded' }, 5).applied, false)
    assert.equal(applyEventResult(before, { targetId: 'nope', lifecycleEvent: 'ApplicationStop', status: 'Succeeded' }, 5).applied, false)
    d.answer('h1', 'Succeeded')
    const again = applyEventResult(d.state, { targetId: 'h1', lifecycleEvent: 'ApplicationStop', status: 'Failed' }, d.now + 1)
    assert.equal(again.applied, false)
    assert.equal(again.state, d.state)
  })
})

describe('agent lease expiry', () => {
  it("fails the host's current event with UnknownError; the others carry on (AllAtOnce succeeds)", () => {
    const d = fleet(ALL, ['h1', 'h2']).run((h, e) => (h === 'h1' && e === 'Install' ? 'lost' : 'Succeeded'))
    const install = d.target('h1').lifecycleEvents.find((e) => e.name === 'Install')!
    assert.equal(install.status, 'Failed')
    assert.equal(install.diagnostics?.errorCode, 'UnknownError')
    assert.match(install.diagnostics?.message ?? '', /agent stopped responding/)
    assert.deepEqual(d.statuses(), ['Failed', 'Succeeded'])
    assert.equal(d.state.status, 'Succeeded')
  })

  it('fails the deployment with AGENT_ISSUE when only lost agents broke the minimum, and ignores the late report', () => {
    const d = fleet(ONE, ['h1', 'h2']).run((h, e) => (h === 'h1' && e === 'DownloadBundle' ? 'lost' : 'Succeeded'))
    assert.equal(d.state.status, 'Failed')
    assert.equal(d.state.errorInformation?.code, 'AGENT_ISSUE')
    assert.deepEqual(d.statuses(), ['Failed', 'Skipped'])
    const late = applyEventResult(d.state, { targetId: 'h1', lifecycleEvent: 'DownloadBundle', status: 'Succeeded' }, d.now + 1)
    assert.equal(late.applied, false)
  })

  it('a lost agent plus a failed script is HEALTH_CONSTRAINTS', () => {
    const d = fleet(ALL, ['h1', 'h2']).run((h, e) => (e === 'AfterInstall' ? (h === 'h1' ? 'lost' : 'Failed') : 'Succeeded'))
    assert.equal(d.state.errorInformation?.code, 'HEALTH_CONSTRAINTS')
  })
})

describe('stop', () => {
  it('no new events start; running events finish; hosts not started are Skipped; the deployment ends Stopped', () => {
    const d = fleet(hostCount(1), hosts(3))
    d.answer('h1', 'Succeeded')
    const sent = d.log.length
    const stop = d.stop(true)
    assert.equal(stop.status, 'Pending')
    assert.equal(d.state.status, 'InProgress')
    assert.deepEqual(d.statuses(), ['InProgress', 'InProgress', 'Skipped'])
    assert.deepEqual(d.state.stop, { requestedAt: d.now, autoRollbackEnabled: true })
    d.answer('h1', 'Succeeded')
    assert.equal(d.log.length, sent, 'no command after the stop')
    assert.equal(d.target('h1').status, 'Failed')
    assert.equal(d.target('h1').failure, 'interrupted')
    assert.deepEqual(d.events('h1'), ['ApplicationStop:Succeeded', 'DownloadBundle:Succeeded', 'BeforeInstall:Skipped', 'Install:Skipped', 'AfterInstall:Skipped', 'ApplicationStart:Skipped', 'ValidateService:Skipped'])
    assert.equal(d.stop().status, 'Pending', 'a second stop while stopping changes nothing')
    d.answer('h2', 'Failed')
    assert.equal(d.state.status, 'Stopped')
    assert.deepEqual(d.state.errorInformation, { code: 'MANUAL_STOP', message: 'The deployment was stopped by a StopDeployment request.' })
    assert.deepEqual(deploymentOverview(d.state), { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 2, Skipped: 1, Ready: 0 })
    assert.throws(() => d.stop(), (e: unknown) => e instanceof AwsError && e.code === 'DeploymentAlreadyCompletedException')
  })

  it('stopping a deployment with nothing running ends it at once (status Succeeded)', () => {
    const s = newDeployment({ deploymentId: 'd-1', targetIds: ['a', 'b'], now: 0 })
    const r = requestStop(s, {}, 5)
    assert.equal(r.status, 'Succeeded')
    assert.equal(r.state.status, 'Stopped')
    assert.deepEqual(r.state.targets.map((t) => t.status), ['Skipped', 'Skipped'])
    assert.equal(s.status, 'Created', 'the input is not mutated')
  })
})

describe('before any host starts', () => {
  it('no instances → Failed NO_INSTANCES', () => {
    const r = reconcileDeployment(newDeployment({ deploymentId: 'd-1', targetIds: [], now: 0 }), ONE, 7)
    assert.equal(r.state.status, 'Failed')
    assert.equal(r.state.errorInformation?.code, 'NO_INSTANCES')
    assert.equal(r.state.completeTime, 7)
    assert.deepEqual(r.commands, [])
  })

  it('a minimum the fleet cannot keep → Failed HEALTH_CONSTRAINTS_INVALID, every host Skipped (HalfAtATime of 1)', () => {
    const r = reconcileDeployment(newDeployment({ deploymentId: 'd-1', targetIds: ['a'], now: 0 }), HALF, 7)
    assert.equal(r.state.status, 'Failed')
    assert.equal(r.state.errorInformation?.code, 'HEALTH_CONSTRAINTS_INVALID')
    assert.deepEqual(r.state.targets.map((t) => t.status), ['Skipped'])
    assert.deepEqual(r.commands, [])
  })

  it('a Queued deployment waits for the caller', () => {
    const s = { ...newDeployment({ deploymentId: 'd-1', targetIds: ['a'], now: 0 }), status: 'Queued' as const }
    const r = reconcileDeployment(s, ONE, 7)
    assert.equal(r.changed, false)
    assert.equal(r.state.status, 'Queued')
    const stopped = requestStop(s, {}, 8)
    assert.deepEqual([stopped.status, stopped.state.status, stopped.state.errorInformation?.code], ['Succeeded', 'Stopped', 'MANUAL_STOP'])
  })
})

describe('time limits', () => {
  it('an event running past 3600 s fails with UnknownError', () => {
    const d = fleet(ONE, ['h1', 'h2'])
    d.advance(3_600_000)
    d.reconcile()
    const stop = d.target('h1').lifecycleEvents[0]!
    assert.equal(stop.status, 'Failed')
    assert.equal(stop.diagnostics?.errorCode, 'UnknownError')
    assert.match(stop.diagnostics?.message ?? '', /did not finish within 3600 seconds/)
    assert.equal(d.state.status, 'Failed')
    assert.equal(d.state.errorInformation?.code, 'HEALTH_CONSTRAINTS')
  })

  it('a deployment running past 8 hours fails with TIMEOUT, ending the running events', () => {
    const d = fleet(ONE, hosts(3))
    for (let i = 0; i < 7 * 3 - 1; i++) {
      d.advance(600_000)
      d.answer(d.outstanding[0]!.targetId, 'Succeeded')
    }
    assert.equal(d.state.status, 'InProgress')
    d.advance(8 * 3_600_000)
    d.reconcile()
    assert.equal(d.state.status, 'Failed')
    assert.equal(d.state.errorInformation?.code, 'TIMEOUT')
    assert.equal(d.target('h3').status, 'Failed')
    assert.equal(d.target('h3').failure, 'timeout')
  })
})

describe('purity', () => {
  it('never mutates its input and is deterministic', () => {
    const s = deepFreeze(newDeployment({ deploymentId: 'd-1', targetIds: hosts(4), now: 0 }))
    const a = reconcileDeployment(s, HALF, 10)
    const b = reconcileDeployment(s, HALF, 10)
    assert.deepEqual(a, b)
    const frozenStarted = deepFreeze(a.state)
    const reported = applyEventResult(frozenStarted, { targetId: 'h1', lifecycleEvent: 'ApplicationStop', status: 'Succeeded' }, 11)
    assert.ok(reported.applied)
    assert.equal(applyLeaseExpiry(frozenStarted, { targetId: 'h2', lifecycleEvent: 'ApplicationStop' }, 11).applied, true)
    assert.equal(requestStop(frozenStarted, {}, 12).status, 'Pending')
    assert.equal(reconcileDeployment(a.state, HALF, 11).changed, false, 'nothing to do: unchanged')
  })
})

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v)
    for (const c of Object.values(v)) deepFreeze(c)
  }
  return v
}
