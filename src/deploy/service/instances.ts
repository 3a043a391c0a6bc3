import { AwsError } from '../../shared/errors.ts'
import type { InstanceRecord } from '../records.ts'
import type { TagFilter } from '../../protocol/models/codedeploy.types.ts'
import type { DeployContext } from './context.ts'
import { E } from './context.ts'

export async function registerInstance(ctx: DeployContext, name: string, iamArn: string | undefined): Promise<void> {
  if (!iamArn) throw new AwsError('IamArnRequiredException', 'An IAM user ARN or IAM session ARN is required.')
  const existing = await ctx.store.deploy.instance(name)
  if (existing && !existing.deregisterTime) throw new AwsError('InstanceNameAlreadyRegisteredException', `The on-premises instance name ${name} is already registered.`)
  const other = await ctx.store.deploy.instanceByArn(iamArn)
  if (other && other.name !== name) throw new AwsError('IamArnAlreadyRegisteredException', `The IAM ARN ${iamArn} is already registered with instance ${other.name}.`)
  await ctx.store.deploy.putInstance({ name, iamArn, registerTime: ctx.clock.now(), tags: existing?.tags ?? [] })
}

export async function requireInstance(ctx: DeployContext, name: string): Promise<InstanceRecord> {
  const i = await ctx.store.deploy.instance(name)
  if (!i) throw E.instanceMissing(name)
  return i
}

export async function deregisterInstance(ctx: DeployContext, name: string): Promise<void> {
  const i = await requireInstance(ctx, name)
  await ctx.store.deploy.putInstance({ ...i, deregisterTime: ctx.clock.now() })
}

export async function addTags(ctx: DeployContext, names: string[], tags: { Key?: string; Value?: string }[]): Promise<void> {
  for (const name of names) {
    const i = await requireInstance(ctx, name)
    const next = [...i.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags.map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }))]
    await ctx.store.deploy.putInstance({ ...i, tags: next })
  }
}

export async function removeTags(ctx: DeployContext, names: string[], tags: { Key?: string; Value?: string }[]): Promise<void> {
  for (const name of names) {
    const i = await requireInstance(ctx, name)
    await ctx.store.deploy.putInstance({ ...i, tags: i.tags.filter((t) => !tags.some((r) => r.Key === t.Key && (r.Value === undefined || r.Value === t.Value))) })
  }
}

/** CodeDeploy tag filters: filters in one list are OR-ed. */
export function matchesTagFilters(instance: InstanceRecord, filters: TagFilter[]): boolean {
  if (filters.length === 0) return false
  return filters.some((f) =>
    instance.tags.some((t) => {
      if (f.Type === 'KEY_ONLY') return t.Key === f.Key
      if (f.Type === 'VALUE_ONLY') return t.Value === f.Value
      return t.Key === f.Key && t.Value === f.Value
    }),
  )
}

export function instanceInfo(ctx: DeployContext, i: InstanceRecord) {
  return {
    instanceName: i.name,
    iamUserArn: i.iamArn.includes(':user/') ? i.iamArn : undefined,
    iamSessionArn: i.iamArn.includes(':user/') ? undefined : i.iamArn,
    instanceArn: `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:instance/${i.name}`,
    registerTime: i.registerTime,
    deregisterTime: i.deregisterTime,
    tags: i.tags,
  }
}
