/**
 * The password scheme of `aws codecommit credential-helper` (reference: cli-smoke.md §2), which git
 * sends as HTTP Basic credentials:
 *
 *   username = <AccessKeyId>[%<SessionToken>]
 *   password = <yyyymmddThhmmss>Z<hex signature>
 *
 * The signature is SigV4 over a fixed "GIT" canonical request for the repository path and host name.
 * The region is not transmitted, so the verifier tries a list of candidate regions.
 */
import type { KeyLookup, VerifiedCaller } from './verify-request.ts'
import {
  ALGORITHM,
  credentialScope,
  formatAmzDate,
  parseAmzDate,
  sha256Hex,
  signatureHex,
  signaturesMatch,
  signingKey,
  skewProblem,
} from './signing.ts'

/** Every commercial (`aws` partition) region, the likeliest first. A constant list by design. */
export const COMMERCIAL_REGIONS: readonly string[] = Object.freeze([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6',
  'ap-southeast-7', 'ap-south-1', 'ap-south-2', 'ap-east-1', 'ap-east-2',
  'ca-central-1', 'ca-west-1', 'sa-east-1', 'mx-central-1',
  'af-south-1', 'il-central-1', 'me-south-1', 'me-central-1',
])

const SERVICE = 'codecommit'
const PASSWORD = /^(\d{8}T\d{6})Z([0-9a-f]{64})$/

/** What git sent (Basic credentials) and where it sent it. */
export type GitCredentials = {
  /** `AKID` or `AKID%sessionToken`; the session token is ignored. */
  username: string
  password: string
  /** The `Host` header; any `:port` is dropped as the helper does. */
  host: string
  /** `/` + the repository path of the clone URL, e.g. `/v1/repos/MyRepo` (not `/info/refs`). */
  repoPath: string
}

/** The caller behind a valid git password. */
export type VerifiedGitCaller = Pick<
  VerifiedCaller,
  'accessKeyId' | 'principal' | 'region' | 'service' | 'signingDate' | 'amzDate' | 'signature'
>

/** The server's configured region first, then every commercial region, without duplicates. */
export function candidateRegions(configured?: string): string[] {
  return [...new Set([...(configured ? [configured] : []), ...COMMERCIAL_REGIONS])]
}

/** The helper's host name: everything before the first `:` (so `[::1]:8080` becomes `[`, like the CLI). */
function hostnameOf(host: string): string {
  return host.split(':')[0] ?? ''
}

function normalisePath(repoPath: string): string {
  return repoPath.startsWith('/') ? repoPath : `/${repoPath}`
}

/** `GIT\n<path>\n\nhost:<hostname>\n\nhost\n` */
export function gitCanonicalRequest(repoPath: string, host: string): string {
  return `GIT\n${normalisePath(repoPath)}\n\nhost:${hostnameOf(host)}\n\nhost\n`
}

function gitSignature(secret: string, timestamp: string, region: string, canonicalHash: string): string {
  const date = timestamp.slice(0, 8)
  const toSign = `${ALGORITHM}\n${timestamp}\n${credentialScope(date, region, SERVICE)}\n${canonicalHash}`
  return signatureHex(signingKey(secret, date, region, SERVICE), toSign)
}

/**
 * Produces the password `aws codecommit credential-helper get` would print for these inputs
 * (used by tests and by Slipway's own CLI).
 */
export function gitPasswordFor(input: {
  secretAccessKey: string
  host: string
  repoPath: string
  region: string
  now: Date
}): string {
  const timestamp = formatAmzDate(input.now).slice(0, 15)
  const canonicalHash = sha256Hex(gitCanonicalRequest(input.repoPath, input.host))
  return `${timestamp}Z${gitSignature(input.secretAccessKey, timestamp, input.region, canonicalHash)}`
}

/**
 * Verifies a credential-helper password. Tries each of `regions` in order (see `candidateRegions`)
 * and returns the caller for the first that matches; `undefined` for any failure (malformed password,
 * timestamp more than `maxSkewSeconds` from `now`, unknown key, no region matches), so the transport
 * can simply answer 401. Errors thrown by `lookup` itself propagate.
 */
export async function verifyGitPassword(
  credentials: GitCredentials,
  lookup: KeyLookup,
  now: Date,
  regions: readonly string[] = COMMERCIAL_REGIONS,
  opts: { maxSkewSeconds?: number } = {},
): Promise<VerifiedGitCaller | undefined> {
  const match = PASSWORD.exec(credentials.password)
  if (!match) return undefined
  const [, timestamp, provided] = match as unknown as [string, string, string]
  const signedAt = parseAmzDate(`${timestamp}Z`)
  if (!signedAt || skewProblem(signedAt, now, opts.maxSkewSeconds ?? 900)) return undefined

  const accessKeyId = credentials.username.split('%')[0] ?? ''
  if (accessKeyId === '') return undefined
  const credential = await lookup(accessKeyId)
  if (!credential) return undefined

  const canonicalHash = sha256Hex(gitCanonicalRequest(credentials.repoPath, credentials.host))
  for (const region of regions) {
    if (signaturesMatch(gitSignature(credential.secretAccessKey, timestamp, region, canonicalHash), provided)) {
      return {
        accessKeyId,
        principal: credential.principal,
        region,
        service: SERVICE,
        signingDate: timestamp.slice(0, 8),
        amzDate: `${timestamp}Z`,
        signature: provided,
      }
    }
  }
  return undefined
}
