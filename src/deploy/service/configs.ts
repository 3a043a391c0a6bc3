import { randomUUID } from 'node:crypto'
import type { DeploymentConfigInfo, MinimumHealthyHosts } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import type { DeploymentConfigRecord } from '../records.ts'
import type { DeployContext } from './context.ts'
import { E } from './context.ts'

/** The built-in Server configs, as GetDeploymentConfig reports them. */
export const BUILT_IN_CONFIGS: Record<string, { id: string; minimumHealthyHosts: { type: string; value: number } }> = {
  'CodeDeployDefault.OneAtATime': { id: 'f4cbd1a4-0000-0000-0000-000000000001', minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } },
  'CodeDeployDefault.HalfAtATime': { id: 'f4cbd1a4-0000-0000-0000-000000000002', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } },
  'CodeDeployDefault.AllAtOnce': { id: 'f4cbd1a4-0000-0000-0000-000000000003', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
}

export async function resolveConfig(ctx: DeployContext, name: string): Promise<{ name: string; minimumHealthyHosts: { type: string; value: number } }> {
  const builtIn = BUILT_IN_CONFIGS[name]
  if (builtIn) return { name, minimumHealthyHosts: builtIn.minimumHealthyHosts }
  const custom = await ctx.store.deploy.config(name)
  if (!custom) throw E.configMissing(name)
  return { name, minimumHealthyHosts: { type: custom.minimumHealthyHosts.type ?? 'HOST_COUNT', value: custom.minimumHealthyHosts.value ?? 0 } }
}

export async function createConfig(ctx: DeployContext, name: string, minimum: MinimumHealthyHosts | undefined): Promise<string> {
  if (name.startsWith('CodeDeployDefault.')) throw new AwsError('InvalidDeploymentConfigNameException', 'Deployment configuration names may not start with CodeDeployDefault.')
  if (!minimum?.type || minimum.value === undefined) throw new AwsError('InvalidMinimumHealthyHostValueException', 'minimumHealthyHosts with a type and a value is required for the Server compute platform')
  if (minimum.value < 0 || (minimum.type === 'FLEET_PERCENT' && minimum.value > 99)) throw new AwsError('InvalidMinimumHealthyHostValueException', `The minimum healthy host value ${minimum.value} is not valid for ${minimum.type}`)
  const record: DeploymentConfigRecord = { name, id: randomUUID(), minimumHealthyHosts: minimum, createdAt: ctx.clock.now().getTime() }
  if (!(await ctx.store.deploy.insertConfig(record))) throw new AwsError('DeploymentConfigAlreadyExistsException', `A deployment configuration with the name ${name} already exists`)
  return record.id
}

export async function configInfo(ctx: DeployContext, name: string): Promise<DeploymentConfigInfo> {
  const builtIn = BUILT_IN_CONFIGS[name]
  if (builtIn) return { deploymentConfigId: builtIn.id, deploymentConfigName: name, minimumHealthyHosts: builtIn.minimumHealthyHosts as MinimumHealthyHosts, createTime: new Date(0), computePlatform: 'Server' }
  const c = await ctx.store.deploy.config(name)
  if (!c) throw E.configMissing(name)
  return { deploymentConfigId: c.id, deploymentConfigName: c.name, minimumHealthyHosts: c.minimumHealthyHosts, createTime: new Date(c.createdAt), computePlatform: 'Server' }
}
