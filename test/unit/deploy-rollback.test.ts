/** Automatic rollback (semantics.md §3.3): when it is due, what it deploys, how the two deployments link. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rollbackFor, rollbackTrigger, type RollbackSource } from '../../src/deploy/model/rollback.ts'

const failed: RollbackSource = {
  deploymentId: 'd-FAILED001',
  applicationName: 'app',
  deploymentGroupName: 'prod',
  deploymentConfigName: 'CodeDeployDefault.OneAtATime',
  status: 'Failed',
  creator: 'user',
  autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
}
const good = { deploymentId: 'd-GOOD00001', revision: { revisionType: 'S3' as const, s3Location: { bucket: 'b', key: 'v1.zip', bundleType: 'zip' as const } }, fileExistsBehavior: 'OVERWRITE' as const }

describe('rollbackFor', () => {
  it('redeploys the last successful revision as a new codeDeployRollback deployment, linked both ways', () => {
    const plan = rollbackFor(failed, good, 'd-ROLLBACK1')
    assert.equal(plan.kind, 'rollback')
    if (plan.kind !== 'rollback') return
    assert.equal(plan.trigger, 'DEPLOYMENT_FAILURE')
    assert.equal(plan.creator, 'codeDeployRollback')
    assert.deepEqual(plan.input, {
      applicationName: 'app',
      deploymentGroupName: 'prod',
      revision: good.revision,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      description: 'Rollback of deployment d-FAILED001, which failed',
      fileExistsBehavior: 'OVERWRITE',
    })
    assert.equal(plan.rollbackInfo.rollbackTriggeringDeploymentId, 'd-FAILED001')
    assert.equal(plan.triggeringRollbackInfo.rollbackDeploymentId, 'd-ROLLBACK1')
  })

  it('does nothing without an earlier successful revision, and says so on the failed deployment', () => {
    const none = rollbackFor(failed, undefined, 'd-ROLLBACK1')
    assert.equal(none.kind, 'none')
    assert.equal(none.kind === 'none' && none.reason, 'NO_PREVIOUS_REVISION')
    assert.match((none.kind === 'none' && none.triggeringRollbackInfo?.rollbackMessage) || '', /no earlier revision/)
  })

  it('is not due when auto rollback is off, not for failures, for a running or successful deployment, or for a rollback', () => {
    const reason = (s: RollbackSource) => {
      const r = rollbackFor(s, good, 'd-X')
      return r.kind === 'none' ? r.reason : r.kind
    }
    assert.equal(reason({ ...failed, autoRollbackConfiguration: { enabled: false, events: ['DEPLOYMENT_FAILURE'] } }), 'NOT_REQUESTED')
    assert.equal(reason({ ...failed, autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] } }), 'NOT_REQUESTED')
    assert.equal(reason({ ...failed, autoRollbackConfiguration: undefined }), 'NOT_REQUESTED')
    assert.equal(reason({ ...failed, status: 'InProgress' }), 'NOT_ENDED')
    assert.equal(reason({ ...failed, status: 'Succeeded' }), 'NOT_ENDED')
    assert.equal(reason({ ...failed, creator: 'codeDeployRollback' }), 'IS_ROLLBACK')
  })

  it('a stop rolls back when StopDeployment asked for it, else when the configuration has DEPLOYMENT_STOP_ON_REQUEST', () => {
    const stopped: RollbackSource = { ...failed, status: 'Stopped', autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } }
    assert.equal(rollbackTrigger({ ...stopped, stop: { autoRollbackEnabled: true } }), 'DEPLOYMENT_STOP_ON_REQUEST')
    assert.equal(rollbackTrigger({ ...stopped, stop: { autoRollbackEnabled: false }, autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST'] } }), undefined)
    assert.equal(rollbackTrigger({ ...stopped, stop: {} }), undefined)
    assert.equal(rollbackTrigger({ ...stopped, stop: {}, autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST'] } }), 'DEPLOYMENT_STOP_ON_REQUEST')
    const plan = rollbackFor({ ...stopped, stop: { autoRollbackEnabled: true } }, good, 'd-R')
    assert.equal(plan.kind === 'rollback' && plan.input.description, 'Rollback of deployment d-FAILED001, which was stopped')
  })
})
