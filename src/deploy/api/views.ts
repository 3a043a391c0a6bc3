import type { DeploymentInfo, DeploymentTarget, InstanceSummary } from '../../protocol/models/codedeploy.types.ts'
import type { DeploymentRecord } from '../service/deployment-state.ts'
import type { DeploymentTargetState } from '../model/deployment-types.ts'
import { deploymentOverview } from '../model/deployment-commands.ts'

const d = (ms?: number) => (ms === undefined ? undefined : new Date(ms))

export function deploymentInfo(x: DeploymentRecord): DeploymentInfo {
  const e = x.engine
  return {
    applicationName: x.applicationName,
    deploymentGroupName: x.groupName,
    deploymentConfigName: x.configName,
    deploymentId: x.id,
    previousRevision: x.previousRevision,
    revision: x.revision,
    status: e.status,
    errorInformation: e.errorInformation as DeploymentInfo['errorInformation'],
    createTime: d(e.createTime),
    startTime: d(e.startTime),
    completeTime: d(e.completeTime),
    deploymentOverview: deploymentOverview(e),
    description: x.description,
    creator: x.creator as DeploymentInfo['creator'],
    ignoreApplicationStopFailures: e.ignoreApplicationStopFailures,
    autoRollbackConfiguration: x.autoRollback as DeploymentInfo['autoRollbackConfiguration'],
    updateOutdatedInstancesOnly: false,
    rollbackInfo: x.rollbackInfo,
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    fileExistsBehavior: x.fileExistsBehavior as DeploymentInfo['fileExistsBehavior'],
    computePlatform: 'Server',
  }
}

const events = (t: DeploymentTargetState) =>
  t.lifecycleEvents.map((e) => ({ lifecycleEventName: e.name, status: e.status, startTime: d(e.startTime), endTime: d(e.endTime), diagnostics: e.diagnostics as never }))

export function targetView(x: DeploymentRecord, t: DeploymentTargetState, region: string, account: string): DeploymentTarget {
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: { deploymentId: x.id, targetId: t.targetId, targetArn: `arn:aws:codedeploy:${region}:${account}:instance/${t.targetId}`, status: t.status, lastUpdatedAt: new Date(t.lastUpdatedAt), lifecycleEvents: events(t) },
  }
}

export function instanceSummary(x: DeploymentRecord, t: DeploymentTargetState): InstanceSummary {
  return { deploymentId: x.id, instanceId: t.targetId, status: t.status, lastUpdatedAt: new Date(t.lastUpdatedAt), lifecycleEvents: events(t), instanceType: 'Blue' }
}
