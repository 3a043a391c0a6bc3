import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { OnFailure } from '../../src/build/model/buildspec-types.ts'
import {
  BUILD_PHASE_TYPES,
  PHASE_OUTCOMES,
  buildStatusOf,
  buildSucceedingFlag,
  nextPhase,
  type BuildPhaseType,
  type BuildStatus,
  type PhaseOutcome,
} from '../../src/build/model/phases.ts'

type Row = [current: BuildPhaseType, outcome: PhaseOutcome, onFailure: OnFailure | undefined, next: BuildPhaseType]

// Every phase × every outcome × every on-failure value: 11 × 5 × 3 = 165 rows, written as rules
// below and spot-checked literally in `documented`.
const documented: Row[] = [
  // the happy path
  ['SUBMITTED', 'SUCCEEDED', undefined, 'QUEUED'],
  ['QUEUED', 'SUCCEEDED', undefined, 'PROVISIONING'],
  ['PROVISIONING', 'SUCCEEDED', undefined, 'DOWNLOAD_SOURCE'],
  ['DOWNLOAD_SOURCE', 'SUCCEEDED', undefined, 'INSTALL'],
  ['INSTALL', 'SUCCEEDED', undefined, 'PRE_BUILD'],
  ['PRE_BUILD', 'SUCCEEDED', undefined, 'BUILD'],
  ['BUILD', 'SUCCEEDED', undefined, 'POST_BUILD'],
  ['POST_BUILD', 'SUCCEEDED', undefined, 'UPLOAD_ARTIFACTS'],
  ['UPLOAD_ARTIFACTS', 'SUCCEEDED', undefined, 'FINALIZING'],
  ['FINALIZING', 'SUCCEEDED', undefined, 'COMPLETED'],
  ['COMPLETED', 'SUCCEEDED', undefined, 'COMPLETED'],
  // default failure routing (semantics §2.1, file-formats §1.4)
  ['PROVISIONING', 'FAILED', undefined, 'FINALIZING'],
  ['DOWNLOAD_SOURCE', 'FAILED', undefined, 'FINALIZING'],
  ['INSTALL', 'FAILED', undefined, 'FINALIZING'],
  ['PRE_BUILD', 'FAILED', undefined, 'FINALIZING'],
  ['BUILD', 'FAILED', undefined, 'POST_BUILD'],
  ['POST_BUILD', 'FAILED', undefined, 'UPLOAD_ARTIFACTS'],
  ['UPLOAD_ARTIFACTS', 'FAILED', undefined, 'FINALIZING'],
  ['FINALIZING', 'FAILED', undefined, 'COMPLETED'],
  ['SUBMITTED', 'FAILED', undefined, 'COMPLETED'],
  ['QUEUED', 'FAILED', undefined, 'COMPLETED'],
  // on-failure: ABORT ends at once; CONTINUE goes on as if succeeded
  ['INSTALL', 'FAILED', 'ABORT', 'FINALIZING'],
  ['PRE_BUILD', 'FAILED', 'ABORT', 'FINALIZING'],
  ['BUILD', 'FAILED', 'ABORT', 'FINALIZING'],
  ['POST_BUILD', 'FAILED', 'ABORT', 'FINALIZING'],
  ['INSTALL', 'FAILED', 'CONTINUE', 'PRE_BUILD'],
  ['PRE_BUILD', 'FAILED', 'CONTINUE', 'BUILD'],
  ['BUILD', 'FAILED', 'CONTINUE', 'POST_BUILD'],
  ['POST_BUILD', 'FAILED', 'CONTINUE', 'UPLOAD_ARTIFACTS'],
  // on-failure means nothing outside the command phases
  ['DOWNLOAD_SOURCE', 'FAILED', 'CONTINUE', 'FINALIZING'],
  ['UPLOAD_ARTIFACTS', 'FAILED', 'CONTINUE', 'FINALIZING'],
  ['PROVISIONING', 'FAILED', 'ABORT', 'FINALIZING'],
  // stop, timeout and service faults end the build, whatever on-failure says
  ['BUILD', 'STOPPED', undefined, 'FINALIZING'],
  ['BUILD', 'TIMED_OUT', 'CONTINUE', 'FINALIZING'],
  ['BUILD', 'FAULT', undefined, 'FINALIZING'],
  ['INSTALL', 'TIMED_OUT', undefined, 'FINALIZING'],
  ['POST_BUILD', 'STOPPED', 'CONTINUE', 'FINALIZING'],
  ['UPLOAD_ARTIFACTS', 'TIMED_OUT', undefined, 'FINALIZING'],
  ['DOWNLOAD_SOURCE', 'FAULT', undefined, 'FINALIZING'],
  ['QUEUED', 'TIMED_OUT', undefined, 'COMPLETED'],
  ['QUEUED', 'STOPPED', undefined, 'COMPLETED'],
  ['SUBMITTED', 'FAULT', undefined, 'COMPLETED'],
  ['FINALIZING', 'TIMED_OUT', undefined, 'COMPLETED'],
  ['COMPLETED', 'FAILED', 'ABORT', 'COMPLETED'],
]

/** The rules the table above illustrates, for the full cross product. */
function expected(current: BuildPhaseType, outcome: PhaseOutcome, onFailure: OnFailure | undefined): BuildPhaseType {
  const order = BUILD_PHASE_TYPES
  const successor = order[order.indexOf(current) + 1] ?? 'COMPLETED'
  if (current === 'COMPLETED') return 'COMPLETED'
  if (outcome === 'SUCCEEDED') return successor
  if (current === 'SUBMITTED' || current === 'QUEUED' || current === 'FINALIZING') return 'COMPLETED'
  if (outcome !== 'FAILED') return 'FINALIZING'
  const commandPhase = ['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD'].includes(current)
  if (commandPhase && onFailure === 'ABORT') return 'FINALIZING'
  if (commandPhase && onFailure === 'CONTINUE') return successor
  if (current === 'BUILD') return 'POST_BUILD'
  if (current === 'POST_BUILD') return 'UPLOAD_ARTIFACTS'
  return 'FINALIZING'
}

describe('nextPhase', () => {
  for (const [current, outcome, onFailure, next] of documented) {
    it(`${current} ${outcome}${onFailure ? ` (on-failure ${onFailure})` : ''} → ${next}`, () => {
      assert.equal(nextPhase(current, outcome, onFailure), next)
    })
  }

  it('agrees with the rules on every phase × outcome × on-failure', () => {
    let rows = 0
    for (const current of BUILD_PHASE_TYPES) {
      for (const outcome of PHASE_OUTCOMES) {
        for (const onFailure of [undefined, 'ABORT', 'CONTINUE'] as const) {
          assert.equal(nextPhase(current, outcome, onFailure), expected(current, outcome, onFailure), `${current} ${outcome} ${onFailure}`)
          rows++
        }
      }
    }
    assert.equal(rows, 165)
  })

  it('always terminates: every path reaches COMPLETED within 11 steps', () => {
    for (const outcome of PHASE_OUTCOMES) {
      for (const onFailure of [undefined, 'ABORT', 'CONTINUE'] as const) {
        let phase: BuildPhaseType = 'SUBMITTED'
        let steps = 0
        while (phase !== 'COMPLETED' && steps < 20) {
          phase = nextPhase(phase, outcome, onFailure)
          steps++
        }
        assert.equal(phase, 'COMPLETED')
        assert.ok(steps <= 10)
      }
    }
  })

  it('a BUILD failure still runs POST_BUILD and attempts UPLOAD_ARTIFACTS', () => {
    const path: BuildPhaseType[] = []
    const outcomes: Partial<Record<BuildPhaseType, PhaseOutcome>> = { BUILD: 'FAILED' }
    for (let p: BuildPhaseType = 'SUBMITTED'; p !== 'COMPLETED'; p = nextPhase(p, outcomes[p] ?? 'SUCCEEDED')) path.push(p)
    assert.deepEqual(path, ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING'])
  })

  it('a PRE_BUILD failure skips BUILD, POST_BUILD and UPLOAD_ARTIFACTS', () => {
    const path: BuildPhaseType[] = []
    for (let p: BuildPhaseType = 'INSTALL'; p !== 'COMPLETED'; p = nextPhase(p, p === 'PRE_BUILD' ? 'FAILED' : 'SUCCEEDED')) path.push(p)
    assert.deepEqual(path, ['INSTALL', 'PRE_BUILD', 'FINALIZING'])
  })
})

describe('buildStatusOf', () => {
  const table: [outcomes: (PhaseOutcome | 'IN_PROGRESS')[], status: BuildStatus][] = [
    [[], 'SUCCEEDED'],
    [['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'], 'SUCCEEDED'],
    [['SUCCEEDED', 'FAILED', 'SUCCEEDED'], 'FAILED'],
    // a failure under on-failure CONTINUE: later phases succeed, the build still fails
    [['SUCCEEDED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'], 'FAILED'],
    [['SUCCEEDED', 'FAULT'], 'FAULT'],
    [['FAILED', 'FAULT'], 'FAULT'],
    [['SUCCEEDED', 'TIMED_OUT', 'SUCCEEDED'], 'TIMED_OUT'],
    [['FAILED', 'TIMED_OUT'], 'TIMED_OUT'],
    [['FAULT', 'TIMED_OUT'], 'TIMED_OUT'],
    [['SUCCEEDED', 'STOPPED', 'SUCCEEDED'], 'STOPPED'],
    [['FAILED', 'STOPPED'], 'STOPPED'],
    [['TIMED_OUT', 'STOPPED'], 'STOPPED'],
    [['SUCCEEDED', 'IN_PROGRESS'], 'SUCCEEDED'],
    [['FAILED', 'IN_PROGRESS'], 'FAILED'],
  ]
  for (const [outcomes, status] of table) {
    it(`[${outcomes.join(', ')}] → ${status}`, () => assert.equal(buildStatusOf(outcomes), status))
  }

  it('CODEBUILD_BUILD_SUCCEEDING is 1 until something goes wrong', () => {
    assert.equal(buildSucceedingFlag(['SUCCEEDED', 'SUCCEEDED']), '1')
    assert.equal(buildSucceedingFlag(['SUCCEEDED', 'FAILED']), '0')
    assert.equal(buildSucceedingFlag([]), '1')
  })
})
