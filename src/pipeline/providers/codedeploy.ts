import type { DeploymentService } from '../../deploy/service/deployments.ts'
import type { DeploymentRecord } from '../../deploy/service/deployment-state.ts'
import type { ActionOutcome } from '../model/execution-commands.ts'
import type { ActionProvider } from './provider.ts'

/** A finished deployment as the action's outcome. */
export function deploymentOutcome(d: DeploymentRecord): ActionOutcome | undefined {
  const { status, errorInformation } = d.engine
  if (status !== 'Succeeded' && status !== 'Failed' && status !== 'Stopped') return undefined
  return status === 'Succeeded'
    ? { status: 'Succeeded', externalExecutionId: d.id, summary: 'Deployment Succeeded' }
    : { status: 'Failed', externalExecutionId: d.id, summary: `Deployment ${status}`, errorDetails: { code: 'JobFailed', message: errorInformation?.message ?? `Deployment ${status}` } }
}

/**
 * Deploy / CodeDeploy: deploys the input artifact (a zip with appspec.yml at its root) to the
 * deployment group; the action follows the deployment's status. One deployment per action run.
 */
export function codeDeployAction(deployments: DeploymentService, find: (actionExecutionId: string) => Promise<DeploymentRecord | undefined>): ActionProvider {
  return {
    matches: (a) => a.category === 'Deploy' && a.owner === 'AWS' && a.provider === 'CodeDeploy',
    async run(job, report) {
      const existing = await find(job.run.actionExecutionId)
      if (existing) return deploymentOutcome(existing)
      const input = job.run.inputArtifacts[0]
      if (!input) return { status: 'Failed', errorDetails: { code: 'ConfigurationError', message: 'The CodeDeploy action needs one input artifact' } }
      const c = job.run.resolvedConfiguration
      const id = await deployments.create(
        { applicationName: c.ApplicationName ?? '', deploymentGroupName: c.DeploymentGroupName ?? '', revision: { revisionType: 'S3', s3Location: { bucket: input.bucket, key: input.key, bundleType: 'zip' } }, description: `Pipeline ${job.pipeline.name} execution ${job.execution.id}` },
        'user',
        undefined,
        { pipelineName: job.pipeline.name, executionId: job.execution.id, stageName: job.stageName, actionName: job.action.name, actionExecutionId: job.run.actionExecutionId },
      )
      await report.noteExternal({ externalExecutionId: id, summary: `Deployment ${id}` })
      return deploymentOutcome(await deployments.get(id))
    },
    async check(job) {
      const id = job.run.externalExecutionId
      const d = id ? await deployments.get(id).catch(() => undefined) : undefined
      return d ? deploymentOutcome(d) : undefined
    },
  }
}
