import { AwsError } from '../../shared/errors.ts'
import type { DeployContext } from './context.ts'
import { requireApplication, requireGroup } from './context.ts'
import { configInfo } from './configs.ts'

/**
 * CodeDeploy's resource tags (TagResource, UntagResource, ListTagsForResource, and the tags
 * CreateApplication / CreateDeploymentGroup take): applications, deployment groups and deployment
 * configurations by ARN, kept in the shared tag store.
 */
const ARN = /^arn:aws[\w-]*:codedeploy:([^:]*):(\d*):(application|deploymentgroup|deploymentconfig):(.+)$/

export const applicationArn = (ctx: DeployContext, name: string) => `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:application:${name}`
export const groupArn = (ctx: DeployContext, app: string, group: string) => `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:deploymentgroup:${app}/${group}`

/** The resource an ARN names, checked to exist; the ARN in its canonical form. */
async function requireResource(ctx: DeployContext, arn: string | undefined): Promise<string> {
  if (!arn) throw new AwsError('ResourceArnRequiredException', 'The ARN of a resource is required, but was not found.')
  const m = ARN.exec(arn)
  if (!m) {
    if (arn.startsWith('arn:')) throw new AwsError('ArnNotSupportedException', `The specified ARN is not supported: ${arn}`)
    throw new AwsError('InvalidArnException', `The specified ARN is not in a valid format: ${arn}`)
  }
  const [, , , kind, rest] = m
  if (kind === 'application') await requireApplication(ctx, rest!)
  else if (kind === 'deploymentgroup') {
    const slash = rest!.indexOf('/')
    if (slash < 0) throw new AwsError('InvalidArnException', `A deployment group ARN ends in <application>/<group>: ${arn}`)
    await requireGroup(ctx, rest!.slice(0, slash), rest!.slice(slash + 1))
  } else await configInfo(ctx, rest!)
  return `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:${kind}:${rest}`
}

type Tag = { Key?: string; Value?: string }

function checkTags(tags: Tag[]): Record<string, string> {
  if (tags.length === 0) throw new AwsError('TagRequiredException', 'A tag was not specified.')
  const out: Record<string, string> = {}
  for (const t of tags) {
    if (!t.Key || t.Key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidTagsToAddException', `The tag key ${t.Key ?? '(none)'} is not valid: keys are required and may not start with aws:`)
    out[t.Key] = t.Value ?? ''
  }
  return out
}

export async function tagResource(ctx: DeployContext, arn: string | undefined, tags: Tag[]): Promise<void> {
  const resource = await requireResource(ctx, arn)
  await ctx.store.tags.put(resource, checkTags(tags))
}

export async function untagResource(ctx: DeployContext, arn: string | undefined, keys: string[]): Promise<void> {
  const resource = await requireResource(ctx, arn)
  if (keys.length === 0) throw new AwsError('TagRequiredException', 'A tag was not specified.')
  await ctx.store.tags.remove(resource, keys)
}

export async function listTags(ctx: DeployContext, arn: string | undefined): Promise<{ Key: string; Value: string }[]> {
  const resource = await requireResource(ctx, arn)
  return Object.entries(await ctx.store.tags.list(resource)).map(([Key, Value]) => ({ Key, Value }))
}

/** Tags given at creation (CreateApplication, CreateDeploymentGroup). */
export async function tagNew(ctx: DeployContext, arn: string, tags: Tag[] | undefined): Promise<void> {
  if (tags && tags.length > 0) await ctx.store.tags.put(arn, checkTags(tags))
}
