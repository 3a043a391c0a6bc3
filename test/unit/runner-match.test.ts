import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fleetNameOf, parseRunnerLabels, requirementsOf, runnerAccepts, valueMatches, waitingReason } from '../../src/build/model/runner-match.ts'

describe('runner matching (pure)', () => {
  const env = { type: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL', image: 'aws/codebuild/standard:7.0' } as const

  it('parses labels, with | for alternatives, and refuses malformed ones', () => {
    assert.deepEqual(parseRunnerLabels('computeType=BUILD_GENERAL1_SMALL|BUILD_GENERAL1_LARGE,image=aws/codebuild/*'), { computeType: ['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_LARGE'], image: ['aws/codebuild/*'] })
    assert.deepEqual(parseRunnerLabels(''), {})
    assert.match(String(parseRunnerLabels('novalue')), /must be key=value/)
    assert.match(String(parseRunnerLabels('fleet=a|b')), /at most one fleet/)
    assert.match(String(parseRunnerLabels('=x')), /must be key=value/)
  })

  it('a label the runner does not set accepts any value; one it sets must list or glob the build\'s', () => {
    const req = requirementsOf(env)
    assert.equal(runnerAccepts({}, req), true)
    assert.equal(runnerAccepts({ computeType: ['BUILD_GENERAL1_SMALL'] }, req), true)
    assert.equal(runnerAccepts({ computeType: ['BUILD_GENERAL1_LARGE'] }, req), false)
    assert.equal(runnerAccepts({ image: ['aws/codebuild/*'] }, req), true)
    assert.equal(runnerAccepts({ image: ['aws/codebuild/amazonlinux*'] }, req), false)
    assert.equal(runnerAccepts({ type: ['ARM_CONTAINER'] }, req), false)
  })

  it('globs in linear time, whatever the pattern', () => {
    assert.equal(valueMatches('aws/*/standard:*', 'aws/codebuild/standard:7.0'), true)
    assert.equal(valueMatches('*', ''), true)
    assert.equal(valueMatches('a*b', 'ab'), true)
    assert.equal(valueMatches('a*b', 'abc'), false)
    assert.equal(valueMatches('**a**', 'xay'), true)
    // A backtracking regex would take hours here; this answers at once.
    assert.equal(valueMatches('*a'.repeat(120) + 'b', 'a'.repeat(256)), false)
  })

  it('fleets are exclusive both ways', () => {
    const pinned = requirementsOf({ ...env, fleet: { fleetArn: 'arn:aws:codebuild:us-east-1:000000000000:fleet/gpu:5f1c' } })
    assert.equal(pinned.fleet, 'gpu')
    assert.equal(runnerAccepts({}, pinned), false, 'a fleet build needs a fleet runner')
    assert.equal(runnerAccepts({ fleet: ['gpu'] }, pinned), true)
    assert.equal(runnerAccepts({ fleet: ['other'] }, pinned), false)
    assert.equal(runnerAccepts({ fleet: ['gpu'] }, requirementsOf(env)), false, 'a fleet runner runs only its fleet\'s builds')
    assert.equal(fleetNameOf('plain-name'), 'plain-name')
  })

  it('says why a build waits, and nothing when a runner would take it', () => {
    const req = requirementsOf({ ...env, fleet: { fleetArn: 'arn:aws:codebuild:us-east-1:000000000000:fleet/gpu:1' } })
    assert.equal(waitingReason(req, []), 'Waiting for a build runner: none is registered')
    assert.match(waitingReason(req, [{ name: 'a', labels: {} }]) ?? '', /accepts fleet=gpu, type=LINUX_CONTAINER, computeType=BUILD_GENERAL1_SMALL, image=aws\/codebuild\/standard:7.0: none of the 1 registered/)
    assert.equal(waitingReason(req, [{ name: 'a', labels: { fleet: ['gpu'] } }]), undefined)
  })
})
