import type { DeploymentInfo, DeploymentTarget, InstanceSummary } from '../../protocol/models/codedeploy.types.ts'
import type { DeploymentRecord, TargetState } from '../service/deployment-state.ts'

const d = (ms?: number) => (ms === undefined ? undefined : new Date(ms))

export function deploymentInfo(x: DeploymentRecord): DeploymentInfo {
  const count = (s: string) => x.targets.filter((t) => t.status === s).length
  return {
    applicationName: x.applicationName,
    deploymentGroupName: x.groupName,
    deploymentConfigName: x.configName,
    deploymentId: x.id,
    previousRevision: x.previousRevision,
    revision: x.revision,
    status: x.status,
    errorInformation: x.errorInformation as DeploymentInfo['errorInformation'],
    createTime: d(x.createTime),
    startTime: d(x.startTime),
    completeTime: d(x.completeTime),
    deploymentOverview: { Pending: count('Pending'), InProgress: count('InProgress'), Succeeded: count('Succeeded'), Failed: count('Failed'), Skipped: count('Skipped'), Ready: 0 },
    description: x.description,
    creator: x.creator as DeploymentInfo['creator'],
    ignoreApplicationStopFailures: x.ignoreApplicationStopFailures,
    autoRollbackConfiguration: x.autoRollback as DeploymentInfo['autoRollbackConfiguration'],
    updateOutdatedInstancesOnly: false,
    rollbackInfo: x.rollbackInfo,
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    fileExistsBehavior: x.fileExistsBehavior as DeploymentInfo['fileExistsBehavior'],
    computePlatform: 'Server',
  }
}

const events = (t: TargetState) =>
  t.events.map((e) => ({ lifecycleEventName: e.lifecycleEventName, status: e.status, startTime: d(e.startTime), endTime: d(e.endTime), diagnostics: e.diagnostics as never }))

export function targetView(x: DeploymentRecord, t: TargetState, region: string, account: string): DeploymentTarget {
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: { deploymentId: x.id, targetId: t.host, targetArn: `arn:aws:codedeploy:${region}:${account}:instance/${t.host}`, status: t.status, lastUpdatedAt: new Date(t.lastUpdatedAt), lifecycleEvents: events(t) },
  }
}

export function instanceSummary(x: DeploymentRecord, t: TargetState): InstanceSummary {
  return { deploymentId: x.id, instanceId: t.host, status: t.status, lastUpdatedAt: new Date(t.lastUpdatedAt), lifecycleEvents: events(t), instanceType: 'Blue' }
}
