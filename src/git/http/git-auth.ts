import { timingSafeEqual } from 'node:crypto'
import type { Clock } from '../../infra/clock.ts'
import type { KeyCredential } from '../../identity/key-service.ts'
import { verifyGitPassword } from '../../protocol/sigv4/git-password.ts'

export type GitAuthOptions = {
  lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>
  clock: Clock
  /** Regions to try for the credential-helper signature (the server's own first). */
  regions: string[]
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Authenticates a git request's HTTP Basic credentials. Two schemes: the access key pair itself
 * (username = access key id, password = secret), and the password `aws codecommit credential-helper`
 * computes (a SigV4 signature over the repository path). Returns the principal, or undefined.
 */
export async function authenticateGit(authorization: string | undefined, host: string, repoPaths: string[], options: GitAuthOptions): Promise<string | undefined> {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
  if (!m || m[1] === undefined) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const username = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  const key = await options.lookup(username.split('%')[0] ?? '')
  if (!key) return undefined
  if (sameText(password, key.secretAccessKey)) return key.principal
  for (const repoPath of repoPaths) {
    const verified = await verifyGitPassword({ username, password, host, repoPath }, options.lookup, options.clock.now(), options.regions)
    if (verified) return key.principal
  }
  return undefined
}
