import { CodeCommitErrors as E } from '../model/errors.ts'
import { isSystemTagKey } from '../model/names.ts'
import { type GitContext, repositoryArn, requireRepository } from './context.ts'

/** Tags address repositories by ARN: `arn:aws:codecommit:<region>:<account>:<name>`. */
async function repositoryForArn(ctx: GitContext, arn: string) {
  const m = /^arn:aws[\w-]*:codecommit:[\w-]*:\d*:(.+)$/.exec(arn)
  if (!m || m[1] === undefined) throw E.invalidResourceArn(arn)
  return requireRepository(ctx, m[1])
}

export async function tagResource(ctx: GitContext, arn: string, tags: Record<string, string>): Promise<void> {
  const repo = await repositoryForArn(ctx, arn)
  if (Object.keys(tags).some(isSystemTagKey)) throw E.invalidSystemTagUsage()
  await ctx.store.tags.put(repositoryArn(ctx, repo.name), tags)
}

export async function untagResource(ctx: GitContext, arn: string, keys: string[]): Promise<void> {
  const repo = await repositoryForArn(ctx, arn)
  if (keys.some(isSystemTagKey)) throw E.invalidSystemTagUsage()
  await ctx.store.tags.remove(repositoryArn(ctx, repo.name), keys)
}

export async function listTagsForResource(ctx: GitContext, arn: string): Promise<Record<string, string>> {
  const repo = await repositoryForArn(ctx, arn)
  return ctx.store.tags.list(repositoryArn(ctx, repo.name))
}
