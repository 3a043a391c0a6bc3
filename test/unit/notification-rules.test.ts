import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { eventBridgeBody, retryDelaySeconds, ruleMatches, slackBody } from '../../src/events/webhooks/rules.ts'
import { signature } from '../../src/events/webhooks/deliverer.ts'
import type { NotificationRule } from '../../src/events/webhooks/records.ts'
import type { StoredEvent } from '../../src/events/outbox.ts'

const rule = (over: Partial<NotificationRule>): NotificationRule => ({ name: 'r', resource: '*', eventTypeIds: [], targets: [], detailType: 'BASIC', status: 'ENABLED', createdAt: new Date(0), ...over })
const event = (type: string, detail: Record<string, unknown>, resource = 'arn:aws:codepipeline:us-east-1:000000000000:p'): StoredEvent => ({ seq: 1, type, source: 'aws.codepipeline', resource, detail, at: new Date('2026-11-24T00:00:00Z') })
const PIPELINE = 'CodePipeline Pipeline Execution State Change'
const ACTION = 'CodePipeline Action Execution State Change'

describe('notification rules', () => {
  const cases: [string, NotificationRule, StoredEvent, boolean][] = [
    ['failed execution', rule({ eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'] }), event(PIPELINE, { state: 'FAILED' }), true],
    ['succeeded is not failed', rule({ eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'] }), event(PIPELINE, { state: 'SUCCEEDED' }), false],
    ['approval needed', rule({ eventTypeIds: ['codepipeline-pipeline-manual-approval-needed'] }), event(ACTION, { state: 'STARTED', type: { category: 'Approval' } }), true],
    ['a build action start is no approval', rule({ eventTypeIds: ['codepipeline-pipeline-manual-approval-needed'] }), event(ACTION, { state: 'STARTED', type: { category: 'Build' } }), false],
    ['resource filter', rule({ resource: 'arn:aws:codepipeline:us-east-1:000000000000:other', eventTypeIds: ['*'] }), event(PIPELINE, { state: 'FAILED' }), false],
    ['project ARN matches its builds', rule({ resource: 'arn:aws:codebuild:us-east-1:000000000000:project/app', eventTypeIds: ['codebuild-project-build-state-failed'] }), event('codebuild.BuildStateChange', { 'project-name': 'app', 'build-status': 'TIMED_OUT' }, 'arn:aws:codebuild:us-east-1:000000000000:build/app:1'), true],
    ['disabled rules match nothing', rule({ status: 'DISABLED', eventTypeIds: ['*'] }), event(PIPELINE, { state: 'FAILED' }), false],
  ]
  for (const [name, r, e, expected] of cases) it(name, () => assert.equal(ruleMatches(r, e), expected))

  it('renders EventBridge envelopes (BASIC keeps identifying fields) and Slack lines', () => {
    const e = event(PIPELINE, { pipeline: 'p', 'execution-id': 'e1', state: 'FAILED', version: 3, secretish: 'x' })
    const body = eventBridgeBody(e, 'id-1', '000000000000', 'us-east-1', false)
    assert.deepEqual(body, { version: '0', id: 'id-1', 'detail-type': PIPELINE, source: 'aws.codepipeline', account: '000000000000', time: '2026-11-24T00:00:00.000Z', region: 'us-east-1', resources: ['arn:aws:codepipeline:us-east-1:000000000000:p'], detail: { pipeline: 'p', 'execution-id': 'e1', state: 'FAILED' } })
    assert.equal(slackBody(e, 'http://x').text, ':x: Pipeline *p* execution `e1` FAILED <http://x/#/pipelines/p/executions/e1|open>')
  })

  it('backs off 1, 2, 4 … 60 s and gives up after 8 attempts; signs with HMAC-SHA256', () => {
    assert.deepEqual([1, 2, 3, 4, 7, 8].map((a) => retryDelaySeconds(a)), [1, 2, 4, 8, 60, undefined])
    // The published HMAC-SHA256 test vector.
    assert.equal(signature('key', 'The quick brown fox jumps over the lazy dog'), 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8')
  })
})
