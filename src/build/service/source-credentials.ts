/**
 * ImportSourceCredentials / ListSourceCredentials / DeleteSourceCredentials: a token per source
 * provider, sealed with the master key and listed without it. Slipway builds from its own
 * repositories, S3 and pipelines, so no build uses them yet; they are kept for the tools that manage
 * them (Terraform's aws_codebuild_source_credential) and for the day a build fetches from that provider.
 */
import { AwsError } from '../../shared/errors.ts'
import { CodeBuildErrors as E } from '../errors.ts'
import type { BuildContext } from './context.ts'

const arnOf = (ctx: Pick<BuildContext, 'region' | 'accountId'>, serverType: string) => `arn:aws:codebuild:${ctx.region}:${ctx.accountId}:token/${serverType.toLowerCase()}`

export async function importSourceCredentials(
  ctx: BuildContext,
  seal: (plain: string) => string,
  i: { token: string; serverType: string; authType: string; username?: string; shouldOverwrite?: boolean },
): Promise<{ arn: string }> {
  if (i.authType === 'BASIC_AUTH' && !i.username) throw E.invalidInput('BASIC_AUTH source credentials need a username')
  if (i.authType !== 'BASIC_AUTH' && i.username) throw E.invalidInput(`A username is only for BASIC_AUTH, not ${i.authType}`)
  const stored = await ctx.store.secrets.putSourceCredential(
    { serverType: i.serverType, authType: i.authType, ...(i.username ? { username: i.username } : {}), tokenSealed: seal(i.token), createdAt: ctx.clock.now() },
    i.shouldOverwrite !== false,
  )
  if (!stored) throw new AwsError('ResourceAlreadyExistsException', `Source credentials for ${i.serverType} already exist; pass shouldOverwrite to replace them`)
  return { arn: arnOf(ctx, i.serverType) }
}

export async function listSourceCredentials(ctx: BuildContext) {
  return (await ctx.store.secrets.sourceCredentials()).map((c) => ({ arn: arnOf(ctx, c.serverType), serverType: c.serverType, authType: c.authType }))
}

export async function deleteSourceCredentials(ctx: BuildContext, arn: string): Promise<{ arn: string }> {
  const match = (await ctx.store.secrets.sourceCredentials()).find((c) => arnOf(ctx, c.serverType) === arn)
  if (!match || !(await ctx.store.secrets.deleteSourceCredential(match.serverType))) throw new AwsError('ResourceNotFoundException', `Source credentials ${arn} do not exist`)
  return { arn }
}
