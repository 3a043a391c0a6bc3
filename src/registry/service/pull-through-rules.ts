import type { PullThroughCacheRule } from '../../protocol/models/ecr.types.ts'
import type { PullThroughRuleRecord } from '../records.ts'
import { RegistryErrors as E } from '../errors.ts'
import type { RegistryContext } from './context.ts'

/**
 * The upstream's base URL: `https://host[:port]`, or plain HTTP when the rule says `http://` (a
 * registry on a private network) or names a loopback host, as Docker treats those.
 */
export function upstreamBaseUrl(upstreamRegistryUrl: string): string {
  const withScheme = /^https?:\/\//.test(upstreamRegistryUrl) ? upstreamRegistryUrl : `${/^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(upstreamRegistryUrl) ? 'http' : 'https'}://${upstreamRegistryUrl}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw E.unsupportedUpstream(`The upstream registry URL ${upstreamRegistryUrl} is not a host name or an http(s) URL`)
  }
  if (url.pathname !== '/' || url.search || url.username) throw E.unsupportedUpstream(`The upstream registry URL ${upstreamRegistryUrl} must be a host (and port) only`)
  return `${url.protocol}//${url.host}`
}

export async function createRule(ctx: RegistryContext, input: { ecrRepositoryPrefix: string; upstreamRegistryUrl: string; upstreamRegistry?: string; credentialArn?: string }): Promise<PullThroughRuleRecord> {
  upstreamBaseUrl(input.upstreamRegistryUrl)
  const now = ctx.clock.now()
  const rule: PullThroughRuleRecord = {
    prefix: input.ecrRepositoryPrefix,
    upstreamRegistryUrl: input.upstreamRegistryUrl,
    ...(input.upstreamRegistry ? { upstreamRegistry: input.upstreamRegistry } : {}),
    ...(input.credentialArn ? { credentialArn: input.credentialArn } : {}),
    createdAt: now,
    updatedAt: now,
  }
  if (!(await ctx.store.registry.insertPullThroughRule(rule))) throw E.pullThroughRuleExists(rule.prefix)
  return rule
}

export async function deleteRule(ctx: RegistryContext, prefix: string): Promise<PullThroughRuleRecord> {
  const rule = (await ctx.store.registry.listPullThroughRules()).find((r) => r.prefix === prefix)
  if (!rule || !(await ctx.store.registry.deletePullThroughRule(prefix))) throw E.pullThroughRuleNotFound(prefix)
  return rule
}

/** The rule whose prefix a repository name starts with (`<prefix>/<upstream repository>`). */
export async function ruleFor(ctx: RegistryContext, repository: string): Promise<PullThroughRuleRecord | undefined> {
  const rules = await ctx.store.registry.listPullThroughRules()
  return rules.find((r) => repository.startsWith(`${r.prefix}/`) && repository.length > r.prefix.length + 1)
}

export const ruleView = (ctx: RegistryContext, r: PullThroughRuleRecord): PullThroughCacheRule & { ecrRepositoryPrefix: string } => ({
  ecrRepositoryPrefix: r.prefix,
  upstreamRegistryUrl: r.upstreamRegistryUrl,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  registryId: ctx.accountId,
  ...(r.upstreamRegistry ? { upstreamRegistry: r.upstreamRegistry as never } : {}),
  ...(r.credentialArn ? { credentialArn: r.credentialArn } : {}),
})
