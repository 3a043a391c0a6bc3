import { randomUUID } from 'node:crypto'
import type { DeploymentConfigInfo, MinimumHealthyHosts } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import type { DeploymentConfigRecord } from '../records.ts'
import { BUILT_IN_DEPLOYMENT_CONFIGS, builtInDeploymentConfig, validateCustomDeploymentConfig } from '../model/deployment-config.ts'
import type { DeployContext } from './context.ts'
import { E } from './context.ts'

/** The built-in Server configs (the model's), with stable ids, as GetDeploymentConfig reports them. */
export const BUILT_IN_CONFIGS: Record<string, { id: string; minimumHealthyHosts: { type: string; value: number } }> = Object.fromEntries(
  BUILT_IN_DEPLOYMENT_CONFIGS.map((c, i) => [c.name, { id: `f4cbd1a4-0000-0000-0000-00000000000${i + 1}`, minimumHealthyHosts: { ...c.minimumHealthyHosts } }]),
)

export async function resolveConfig(ctx: DeployContext, name: string): Promise<{ name: string; minimumHealthyHosts: { type: string; value: number } }> {
  const builtIn = builtInDeploymentConfig(name)
  if (builtIn) return { name, minimumHealthyHosts: { ...builtIn.minimumHealthyHosts } }
  const custom = await ctx.store.deploy.config(name)
  if (!custom) throw E.configMissing(name)
  return { name, minimumHealthyHosts: { type: custom.minimumHealthyHosts.type ?? 'HOST_COUNT', value: custom.minimumHealthyHosts.value ?? 0 } }
}

export async function createConfig(ctx: DeployContext, name: string, minimum: MinimumHealthyHosts | undefined): Promise<string> {
  const valid = validateCustomDeploymentConfig(name, minimum)
  const record: DeploymentConfigRecord = { name, id: randomUUID(), minimumHealthyHosts: { ...valid.minimumHealthyHosts } as MinimumHealthyHosts, createdAt: ctx.clock.now().getTime() }
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
