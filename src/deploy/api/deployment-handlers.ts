import type { AwsJsonService } from '../../protocol/aws-json/operation-table.ts'
import type { Operations } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import { paginate } from '../../shared/paging.ts'
import { E, requireGroup, type DeployContext } from '../service/context.ts'
import type { DeploymentService } from '../service/deployments.ts'
import type { DeploymentRecord } from '../service/deployment-state.ts'
import { deploymentInfo, instanceSummary, targetView } from './views.ts'

export type DeploymentOperations = AwsJsonService<Operations>['handlers']

const badToken = () => new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')

export function deploymentHandlers(ctx: DeployContext, deployments: DeploymentService): DeploymentOperations {
  const target = (x: DeploymentRecord, id: string) => {
    const t = x.engine.targets.find((y) => y.targetId === id)
    if (!t) throw new AwsError('DeploymentTargetDoesNotExistException', `The target ${id} is not part of deployment ${x.id}`)
    return t
  }
  return {
    CreateDeployment: async (i) => ({ deploymentId: await deployments.create(i) }),
    GetDeployment: async (i) => ({ deploymentInfo: deploymentInfo(await deployments.get(i.deploymentId)) }),
    BatchGetDeployments: async (i) => {
      const out = []
      for (const id of i.deploymentIds) {
        const x = await ctx.store.deploy.deployment<DeploymentRecord>(id)
        if (x) out.push(deploymentInfo(x))
      }
      return { deploymentsInfo: out }
    },
    ListDeployments: async (i) => {
      // As CodeDeploy: an application and its group go together, and both must exist.
      if (i.applicationName && !i.deploymentGroupName) throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.')
      if (i.deploymentGroupName && !i.applicationName) throw E.appRequired()
      if (i.applicationName && i.deploymentGroupName) await requireGroup(ctx, i.applicationName, i.deploymentGroupName)
      const list = await ctx.store.deploy.deployments<DeploymentRecord>({ applicationName: i.applicationName, groupName: i.deploymentGroupName, statuses: i.includeOnlyStatuses })
      const { page, nextToken } = paginate(list.map((x) => x.id), i.nextToken, 100, badToken)
      return { deployments: page, nextToken }
    },
    StopDeployment: async (i) => deployments.stop(i.deploymentId, i.autoRollbackEnabled ?? false),
    ListDeploymentTargets: async (i) => {
      const x = await deployments.get(i.deploymentId)
      const statuses = i.targetFilters?.TargetStatus
      const ids = x.engine.targets.filter((t) => !statuses?.length || statuses.includes(t.status)).map((t) => t.targetId)
      const { page, nextToken } = paginate(ids, i.nextToken, 100, badToken)
      return { targetIds: page, nextToken }
    },
    BatchGetDeploymentTargets: async (i) => {
      const x = await deployments.get(i.deploymentId)
      return { deploymentTargets: i.targetIds.map((id) => targetView(x, target(x, id), ctx.region, ctx.accountId)) }
    },
    GetDeploymentTarget: async (i) => {
      const x = await deployments.get(i.deploymentId)
      return { deploymentTarget: targetView(x, target(x, i.targetId ?? ''), ctx.region, ctx.accountId) }
    },
    ListDeploymentInstances: async (i) => {
      const x = await deployments.get(i.deploymentId)
      const ids = x.engine.targets.filter((t) => !i.instanceStatusFilter?.length || i.instanceStatusFilter.includes(t.status)).map((t) => t.targetId)
      const { page, nextToken } = paginate(ids, i.nextToken, 100, badToken)
      return { instancesList: page, nextToken }
    },
    GetDeploymentInstance: async (i) => {
      const x = await deployments.get(i.deploymentId)
      return { instanceSummary: instanceSummary(x, target(x, i.instanceId)) }
    },
    BatchGetDeploymentInstances: async (i) => {
      const x = await deployments.get(i.deploymentId)
      return { instancesSummary: i.instanceIds.filter((id) => x.engine.targets.some((t) => t.targetId === id)).map((id) => instanceSummary(x, target(x, id))) }
    },
  }
}
