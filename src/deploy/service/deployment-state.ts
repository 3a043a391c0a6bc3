import type { RevisionLocation } from '../../protocol/models/codedeploy.types.ts'

/** What the store keeps of a deployment (the engine's state). Times are epoch ms. */
export type EventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown'
export type LifecycleEventState = {
  lifecycleEventName: string
  status: EventStatus
  startTime?: number
  endTime?: number
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string }
}
export type TargetState = { host: string; status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped'; lastUpdatedAt: number; events: LifecycleEventState[] }

export type DeploymentRecord = {
  id: string
  applicationName: string
  groupName: string
  groupId: string
  configName: string
  minimumHealthyHosts: { type: string; value: number }
  revision: RevisionLocation
  previousRevision?: RevisionLocation
  status: 'Created' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped'
  errorInformation?: { code: string; message: string }
  createTime: number
  startTime?: number
  completeTime?: number
  description?: string
  creator: string
  fileExistsBehavior: string
  ignoreApplicationStopFailures: boolean
  autoRollback?: { enabled: boolean; events: string[] }
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string }
  targets: TargetState[]
  stop?: { rollback: boolean }
  /** Set when a pipeline's CodeDeploy action created the deployment: its end completes that action. */
  pipelineAction?: { pipelineName: string; executionId: string; stageName: string; actionName: string; actionExecutionId: string }
}

export const LIFECYCLE = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const

export const isActive = (d: DeploymentRecord) => d.status === 'Created' || d.status === 'InProgress'
