/**
 * ECR authorization tokens (GetAuthorizationToken): `AWS:<token>` as Basic credentials for the
 * registry. The token names the access key that asked for it and its expiry, sealed with an HMAC
 * under that key's secret, so any server verifies it with the key store alone, and it dies with the
 * key (a build's key is revoked when the build ends).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000
const PREFIX = 'sw1'

const mac = (secret: string, keyId: string, expiresAt: number): string =>
  createHmac('sha256', secret).update(`ecr-authorization-token\n${keyId}\n${expiresAt}`).digest('base64url')

/** The token (without the `AWS:` user) for a key, valid until `expiresAt`. */
export function issueToken(keyId: string, secret: string, expiresAt: Date): string {
  const at = expiresAt.getTime()
  return `${PREFIX}.${keyId}.${at}.${mac(secret, keyId, at)}`
}

/** The key id and expiry a token claims, before its seal is checked (undefined if malformed). */
export function readToken(token: string): { keyId: string; expiresAt: number; seal: string } | undefined {
  const m = /^sw1\.([A-Z0-9]{16,128})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token)
  if (!m) return undefined
  return { keyId: m[1]!, expiresAt: Number(m[2]), seal: m[3]! }
}

/** Whether the claimed seal is the key's own. */
export function sealMatches(claim: { keyId: string; expiresAt: number; seal: string }, secret: string): boolean {
  const expected = Buffer.from(mac(secret, claim.keyId, claim.expiresAt))
  const given = Buffer.from(claim.seal)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** `base64("AWS:" + token)`, ECR's authorizationToken field. */
export const basicToken = (token: string): string => Buffer.from(`AWS:${token}`).toString('base64')
