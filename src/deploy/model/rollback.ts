/**
 * Automatic rollback (shared/reference/semantics.md §3.3): when a deployment fails (auto rollback
 * enabled with DEPLOYMENT_FAILURE) or is stopped with rollback requested, CodeDeploy creates a NEW
 * deployment (caller-supplied id, creator `codeDeployRollback`) of the group's last successfully
 * deployed revision, with that deployment's file-exists behaviour, and links the two through
 * `rollbackInfo`. No earlier successful revision: nothing is rolled back (the failed deployment's
 * `rollbackInfo.rollbackMessage` says so).
 */
import type { AutoRollbackEvent, CreateDeploymentInput, FileExistsBehavior, RevisionLocation } from '../../protocol/models/codedeploy.types.ts'
import type { DeploymentStatus } from './deployment-types.ts'

/** What rollback needs to know about the deployment that ended. */
export type RollbackSource = {
  deploymentId: string
  applicationName: string
  deploymentGroupName: string
  deploymentConfigName?: string
  status: DeploymentStatus
  creator?: string
  /** The deployment's own setting, or else its group's. */
  autoRollbackConfiguration?: { enabled?: boolean; events?: AutoRollbackEvent[] }
  /** StopDeployment's `autoRollbackEnabled`, when it was stopped. */
  stop?: { autoRollbackEnabled?: boolean }
  ignoreApplicationStopFailures?: boolean
}

/** The group's last successful deployment: its revision and file-exists behaviour. */
export type LastSuccessfulRevision = { deploymentId?: string; revision: RevisionLocation; fileExistsBehavior?: FileExistsBehavior }

export type RollbackInfoUpdate = { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage: string }

export type RollbackPlan = {
  kind: 'rollback'
  trigger: AutoRollbackEvent
  /** CreateDeployment input for the rollback deployment. */
  input: CreateDeploymentInput & { applicationName: string; deploymentGroupName: string; revision: RevisionLocation }
  creator: 'codeDeployRollback'
  /** `rollbackInfo` of the new (rollback) deployment. */
  rollbackInfo: RollbackInfoUpdate
  /** `rollbackInfo` to set on the deployment that triggered it. */
  triggeringRollbackInfo: RollbackInfoUpdate
}

export type NoRollback = {
  kind: 'none'
  reason: 'NOT_ENDED' | 'NOT_REQUESTED' | 'IS_ROLLBACK' | 'NO_PREVIOUS_REVISION'
  /** When a rollback was due but could not happen: the message for the ended deployment's `rollbackInfo`. */
  triggeringRollbackInfo?: RollbackInfoUpdate
}

/**
 * Which configured event asks for a rollback of this ended deployment: Failed → DEPLOYMENT_FAILURE
 * (when enabled for it); Stopped → StopDeployment's `autoRollbackEnabled`, or, when that was not
 * given, DEPLOYMENT_STOP_ON_REQUEST in the configuration. A rollback deployment never triggers
 * another (no rollback loops).
 */
export function rollbackTrigger(source: RollbackSource): AutoRollbackEvent | undefined {
  if (source.creator === 'codeDeployRollback') return undefined
  const config = source.autoRollbackConfiguration
  const configured = (event: AutoRollbackEvent) => config?.enabled === true && (config.events ?? []).includes(event)
  if (source.status === 'Failed') return configured('DEPLOYMENT_FAILURE') ? 'DEPLOYMENT_FAILURE' : undefined
  if (source.status === 'Stopped') {
    const asked = source.stop?.autoRollbackEnabled ?? configured('DEPLOYMENT_STOP_ON_REQUEST')
    return asked ? 'DEPLOYMENT_STOP_ON_REQUEST' : undefined
  }
  return undefined
}

/** The rollback deployment to create for an ended deployment, or why there is none. */
export function rollbackFor(source: RollbackSource, lastSuccessful: LastSuccessfulRevision | undefined, rollbackDeploymentId: string): RollbackPlan | NoRollback {
  if (source.status !== 'Failed' && source.status !== 'Stopped') return { kind: 'none', reason: 'NOT_ENDED' }
  if (source.creator === 'codeDeployRollback') return { kind: 'none', reason: 'IS_ROLLBACK' }
  const trigger = rollbackTrigger(source)
  if (trigger === undefined) return { kind: 'none', reason: 'NOT_REQUESTED' }
  if (lastSuccessful === undefined) {
    return {
      kind: 'none',
      reason: 'NO_PREVIOUS_REVISION',
      triggeringRollbackInfo: { rollbackMessage: 'Automatic rollback was not performed: no earlier revision was deployed successfully to this deployment group.' },
    }
  }
  const why = source.status === 'Failed' ? 'failed' : 'was stopped'
  return {
    kind: 'rollback',
    trigger,
    creator: 'codeDeployRollback',
    input: {
      applicationName: source.applicationName,
      deploymentGroupName: source.deploymentGroupName,
      revision: lastSuccessful.revision,
      ...(source.deploymentConfigName !== undefined && { deploymentConfigName: source.deploymentConfigName }),
      description: `Rollback of deployment ${source.deploymentId}, which ${why}`,
      ...(lastSuccessful.fileExistsBehavior !== undefined && { fileExistsBehavior: lastSuccessful.fileExistsBehavior }),
      ...(source.ignoreApplicationStopFailures !== undefined && { ignoreApplicationStopFailures: source.ignoreApplicationStopFailures }),
    },
    rollbackInfo: {
      rollbackTriggeringDeploymentId: source.deploymentId,
      rollbackMessage: `Rollback of deployment ${source.deploymentId}, which ${why}, to the last successfully deployed revision${lastSuccessful.deploymentId !== undefined ? ` (deployment ${lastSuccessful.deploymentId})` : ''}.`,
    },
    triggeringRollbackInfo: {
      rollbackDeploymentId: rollbackDeploymentId,
      rollbackMessage: `Deployment ${source.deploymentId} ${why}; automatic rollback started as deployment ${rollbackDeploymentId}.`,
    },
  }
}
