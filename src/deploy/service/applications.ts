import { randomUUID } from 'node:crypto'
import type { CreateDeploymentGroupInput, UpdateDeploymentGroupInput } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import type { DeploymentGroupRecord } from '../records.ts'
import type { DeployContext } from './context.ts'
import { E, checkName, requireApplication, requireGroup } from './context.ts'
import { resolveConfig } from './configs.ts'
import { groupLock } from './deployments.ts'

export async function createApplication(ctx: DeployContext, name: string, computePlatform = 'Server'): Promise<string> {
  checkName(name, E.appInvalid, E.appRequired)
  if (computePlatform !== 'Server') throw new AwsError('InvalidComputePlatformException', `Slipway deploys to servers (computePlatform Server), not ${computePlatform}`)
  const id = randomUUID()
  if (!(await ctx.store.deploy.insertApplication({ name, id, computePlatform, createdAt: ctx.clock.now() }))) {
    throw new AwsError('ApplicationAlreadyExistsException', `${name} already exists in your account`)
  }
  return id
}

export function applicationInfo(a: { name: string; id: string; computePlatform: string; createdAt: Date }) {
  return { applicationId: a.id, applicationName: a.name, createTime: a.createdAt, linkedToGitHub: false, computePlatform: a.computePlatform as 'Server' }
}

export async function createGroup(ctx: DeployContext, i: CreateDeploymentGroupInput): Promise<string> {
  await requireApplication(ctx, i.applicationName)
  checkName(i.deploymentGroupName, E.groupInvalid, () => new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.'))
  const configName = i.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime'
  await resolveConfig(ctx, configName)
  if (i.ec2TagFilters?.length || i.autoScalingGroups?.length) throw new AwsError('InvalidEC2TagException', 'Slipway deploys to on-premises instances (its agents): use onPremisesInstanceTagFilters')
  const g: DeploymentGroupRecord = {
    applicationName: i.applicationName,
    name: i.deploymentGroupName,
    id: randomUUID(),
    deploymentConfigName: configName,
    onPremisesInstanceTagFilters: i.onPremisesInstanceTagFilters ?? [],
    serviceRoleArn: i.serviceRoleArn,
    autoRollbackConfiguration: i.autoRollbackConfiguration,
    deploymentStyle: i.deploymentStyle ?? { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
  }
  if (!(await ctx.store.deploy.putGroup(g, true))) throw new AwsError('DeploymentGroupAlreadyExistsException', `A deployment group named ${g.name} already exists for application ${g.applicationName}`)
  return g.id
}

/**
 * Changes a group under its lock (and the new name's), reading it inside: a deployment ending at the
 * same moment writes its bookkeeping on the group under the same lock, so neither change is lost.
 */
export async function updateGroup(ctx: DeployContext, i: UpdateDeploymentGroupInput): Promise<void> {
  const found = await requireGroup(ctx, i.applicationName, i.currentDeploymentGroupName)
  if (i.deploymentConfigName) await resolveConfig(ctx, i.deploymentConfigName)
  const newName = i.newDeploymentGroupName ?? found.name
  await ctx.store.transaction(async (tx) => {
    const g = await tx.deploy.group(found.applicationName, found.name)
    if (!g) throw E.groupMissing(found.name)
    const next: DeploymentGroupRecord = {
      ...g,
      name: newName,
      deploymentConfigName: i.deploymentConfigName ?? g.deploymentConfigName,
      onPremisesInstanceTagFilters: i.onPremisesInstanceTagFilters ?? g.onPremisesInstanceTagFilters,
      serviceRoleArn: i.serviceRoleArn ?? g.serviceRoleArn,
      autoRollbackConfiguration: i.autoRollbackConfiguration ?? g.autoRollbackConfiguration,
    }
    if (next.name !== g.name) {
      if (await tx.deploy.group(g.applicationName, next.name)) throw new AwsError('DeploymentGroupAlreadyExistsException', `A deployment group named ${next.name} already exists`)
      await tx.deploy.renameGroup(g.applicationName, g.name, next)
    } else {
      await tx.deploy.putGroup(next, false)
    }
  }, { lock: [groupLock(found.applicationName, found.name), groupLock(found.applicationName, newName)] })
}

export async function groupInfo(ctx: DeployContext, g: DeploymentGroupRecord) {
  const d = (x?: { deploymentId: string; status: string; endTime?: number; createTime: number }) =>
    x ? { deploymentId: x.deploymentId, status: x.status as 'Succeeded', endTime: x.endTime ? new Date(x.endTime) : undefined, createTime: new Date(x.createTime) } : undefined
  return {
    applicationName: g.applicationName,
    deploymentGroupId: g.id,
    deploymentGroupName: g.name,
    deploymentConfigName: g.deploymentConfigName,
    onPremisesInstanceTagFilters: g.onPremisesInstanceTagFilters,
    serviceRoleArn: g.serviceRoleArn,
    targetRevision: g.targetRevision,
    autoRollbackConfiguration: g.autoRollbackConfiguration,
    deploymentStyle: g.deploymentStyle,
    lastSuccessfulDeployment: d(g.lastSuccessfulDeployment),
    lastAttemptedDeployment: d(g.lastAttemptedDeployment),
    computePlatform: 'Server' as const,
    ec2TagFilters: [],
    autoScalingGroups: [],
    triggerConfigurations: [],
  }
}
