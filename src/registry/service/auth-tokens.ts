import { basicToken, issueToken, readToken, sealMatches, TOKEN_LIFETIME_MS } from './token-seal.ts'
import type { RegistryContext } from './context.ts'

/** GetAuthorizationToken: a 12-hour token for the calling key. */
export async function authorizationToken(ctx: RegistryContext, accessKeyId: string): Promise<{ authorizationToken: string; expiresAt: Date; proxyEndpoint: string }> {
  const key = await ctx.lookup(accessKeyId)
  if (!key) throw new Error(`the calling key ${accessKeyId} is gone`)
  const expiresAt = new Date(ctx.clock.now().getTime() + TOKEN_LIFETIME_MS)
  return { authorizationToken: basicToken(issueToken(key.accessKeyId, key.secretAccessKey, expiresAt)), expiresAt, proxyEndpoint: ctx.baseUrl() }
}

/** The principal a registry password (`AWS:<token>`) stands for, or why it is refused. */
export async function verifyRegistryPassword(ctx: RegistryContext, user: string, password: string): Promise<{ principal: string } | { refused: string }> {
  if (user !== 'AWS') return { refused: 'the user name must be AWS (log in with aws ecr get-login-password)' }
  const claim = readToken(password)
  if (!claim) return { refused: 'the password is not an authorization token from GetAuthorizationToken' }
  if (claim.expiresAt <= ctx.clock.now().getTime()) return { refused: 'Your authorization token has expired. Reauthenticate and try again.' }
  const key = await ctx.lookup(claim.keyId)
  if (!key || !sealMatches(claim, key.secretAccessKey)) return { refused: 'Your authorization token is not valid (or its access key was deleted). Reauthenticate and try again.' }
  return { principal: key.principal }
}
