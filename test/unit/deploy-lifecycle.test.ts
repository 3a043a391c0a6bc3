/**
 * The in-place lifecycle (file-formats.md §2.2), the hook environment AWS documents (§2.1, user
 * guide "Environment variable availability for hooks"), and the agent's completion codes
 * (api-surface.md §4.5).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  agentDiagnostics,
  eventRunner,
  hookEnvironment,
  inPlaceLifecycle,
  isAgentCommand,
  lifecycleErrorCode,
  scriptRevisionFor,
  type LifecycleEventName,
} from '../../src/deploy/model/lifecycle.ts'
import { HOOK_EVENT_NAMES } from '../../src/deploy/model/appspec-types.ts'

describe('in-place lifecycle', () => {
  it('runs ApplicationStop → DownloadBundle → BeforeInstall → Install → AfterInstall → ApplicationStart → ValidateService', () => {
    assert.deepEqual(inPlaceLifecycle(), ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'])
  })

  it('adds the traffic events around it only with a load balancer (the agent order)', () => {
    assert.deepEqual(inPlaceLifecycle({ loadBalancer: true }), [
      'BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install',
      'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic',
    ])
  })

  it('says who does each event and which revision a hook runs from', () => {
    const rows = inPlaceLifecycle({ loadBalancer: true }).map((e) => [e, eventRunner(e), scriptRevisionFor(e) ?? '-', isAgentCommand(e)])
    assert.deepEqual(rows, [
      ['BeforeBlockTraffic', 'hooks', 'lastSuccessful', true],
      ['BlockTraffic', 'service', '-', false],
      ['AfterBlockTraffic', 'hooks', 'lastSuccessful', true],
      ['ApplicationStop', 'hooks', 'lastSuccessful', true],
      ['DownloadBundle', 'agent', '-', true],
      ['BeforeInstall', 'hooks', 'current', true],
      ['Install', 'agent', '-', true],
      ['AfterInstall', 'hooks', 'current', true],
      ['ApplicationStart', 'hooks', 'current', true],
      ['ValidateService', 'hooks', 'current', true],
      ['BeforeAllowTraffic', 'hooks', 'current', true],
      ['AllowTraffic', 'service', '-', false],
      ['AfterAllowTraffic', 'hooks', 'current', true],
    ])
  })

  it('the hook events are exactly the events the appspec may name', () => {
    const hooks = inPlaceLifecycle({ loadBalancer: true }).filter((e) => eventRunner(e) === 'hooks')
    assert.deepEqual([...hooks].sort(), [...HOOK_EVENT_NAMES].sort())
  })
})

describe('hook environment', () => {
  const base = { lifecycleEvent: 'AfterInstall' as LifecycleEventName, deploymentId: 'd-ABCDEFGHI', applicationName: 'app', deploymentGroupName: 'prod', deploymentGroupId: 'dg-1' }

  it('has the five documented variables, and nothing else without a revision', () => {
    assert.deepEqual(hookEnvironment(base), { LIFECYCLE_EVENT: 'AfterInstall', DEPLOYMENT_ID: 'd-ABCDEFGHI', APPLICATION_NAME: 'app', DEPLOYMENT_GROUP_NAME: 'prod', DEPLOYMENT_GROUP_ID: 'dg-1' })
  })

  it('adds BUNDLE_BUCKET/KEY/VERSION/ETAG for an S3 revision (version and ETag when known)', () => {
    const env = hookEnvironment({ ...base, revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k.zip', bundleType: 'zip', version: 'v1', eTag: 'e1' } } })
    assert.deepEqual([env.BUNDLE_BUCKET, env.BUNDLE_KEY, env.BUNDLE_VERSION, env.BUNDLE_ETAG, env.BUNDLE_COMMIT], ['b', 'k.zip', 'v1', 'e1', undefined])
    const bare = hookEnvironment({ ...base, revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k.zip' } } })
    assert.ok(!('BUNDLE_VERSION' in bare) && !('BUNDLE_ETAG' in bare))
  })

  it('adds BUNDLE_COMMIT for a GitHub revision', () => {
    const env = hookEnvironment({ ...base, revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'o/r', commitId: 'abc123' } } })
    assert.equal(env.BUNDLE_COMMIT, 'abc123')
    assert.ok(!('BUNDLE_BUCKET' in env))
  })
})

describe('agent completion diagnostics', () => {
  it('maps the agent error codes onto LifecycleErrorCode', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 99].map(lifecycleErrorCode), ['Success', 'ScriptMissing', 'ScriptNotExecutable', 'ScriptTimedOut', 'ScriptFailed', 'UnknownError', 'UnknownError', 'UnknownError', 'UnknownError'])
  })

  it('reads the JSON payload, keeping the last 2 KB of log', () => {
    const log = 'x'.repeat(3000) + 'END'
    const d = agentDiagnostics(JSON.stringify({ error_code: 4, script_name: 'scripts/v.sh', message: 'exit 1', log }), false)
    assert.deepEqual({ ...d, logTail: d.logTail.length }, { errorCode: 'ScriptFailed', scriptName: 'scripts/v.sh', message: 'exit 1', logTail: 2048 })
    assert.ok(d.logTail.endsWith('END'))
  })

  it('fills in a missing or unreadable payload', () => {
    assert.deepEqual(agentDiagnostics(undefined, true), { errorCode: 'Success', scriptName: '', message: 'Succeeded', logTail: '' })
    assert.deepEqual(agentDiagnostics('{}', false), { errorCode: 'UnknownError', scriptName: '', message: 'Failed', logTail: '' })
    assert.equal(agentDiagnostics('not json', true).errorCode, 'UnknownError')
    assert.equal(agentDiagnostics('null', false).errorCode, 'UnknownError')
  })
})
