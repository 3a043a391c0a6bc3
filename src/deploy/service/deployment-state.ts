import type { RevisionLocation } from '../../protocol/models/codedeploy.types.ts'
import type { DeploymentState } from '../model/deployment-types.ts'
import { isTerminalDeployment } from '../model/deployment-types.ts'

/**
 * What the store keeps of a deployment: what it deploys, where, and how (this service's part), and
 * `engine`, the pure model's state (statuses, targets and their lifecycle events, stop, outcome).
 */
export type DeploymentRecord = {
  id: string
  applicationName: string
  groupName: string
  groupId: string
  configName: string
  minimumHealthyHosts: { type: string; value: number }
  revision: RevisionLocation
  previousRevision?: RevisionLocation
  description?: string
  creator: string
  fileExistsBehavior: string
  autoRollback?: { enabled: boolean; events: string[] }
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string }
  /** Set when a pipeline's CodeDeploy action created the deployment: its end completes that action. */
  pipelineAction?: { pipelineName: string; executionId: string; stageName: string; actionName: string; actionExecutionId: string }
  engine: DeploymentState
}

export const isActive = (d: DeploymentRecord) => !isTerminalDeployment(d.engine)
