/**
 * Parsing of the `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header
 * and of credential scopes, with AWS's `IncompleteSignatureException` wording for malformed input.
 */
import { IncompleteSignatureException } from '../../shared/errors.ts'
import { ALGORITHM, SCOPE_TERMINATOR } from './signing.ts'

/** The three parameters of a SigV4 `Authorization` header. */
export type ParsedAuthorization = {
  algorithm: string
  /** `<AKID>/<yyyymmdd>/<region>/<service>/aws4_request`, as sent. */
  credential: string
  /** Lower-cased, in the order the client declared them. */
  signedHeaders: string[]
  signature: string
}

/** A credential split into its parts. */
export type CredentialScope = { accessKeyId: string; date: string; region: string; service: string }

/** The result of inspecting a header: what could be read and every problem found, in AWS's order. */
export type AuthorizationInspection = { parsed: ParsedAuthorization | undefined; problems: string[] }

/**
 * Reads an `Authorization` header without throwing. `problems` lists AWS's sentences for each defect
 * (missing `Credential`, `Signature`, `SignedHeaders`, pairs without `=`, an unsupported algorithm);
 * `parsed` is set only when there are none.
 */
export function inspectAuthorization(header: string): AuthorizationInspection {
  const trimmed = header.trim()
  const space = trimmed.search(/\s/)
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space)
  const rest = space < 0 ? '' : trimmed.slice(space + 1)
  if (algorithm !== ALGORITHM) {
    return {
      parsed: undefined,
      problems: [`Unsupported AWS 'algorithm': '${algorithm}'. Only '${ALGORITHM}' is supported.`],
    }
  }
  const fields = new Map<string, string>()
  const problems: string[] = []
  for (const piece of rest.split(',')) {
    const pair = piece.trim()
    if (pair === '') continue
    const eq = pair.indexOf('=')
    if (eq < 0) {
      problems.push(`'${pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '${trimmed}'.`)
      continue
    }
    const key = pair.slice(0, eq).trim()
    if (!fields.has(key)) fields.set(key, pair.slice(eq + 1).trim())
  }
  if (problems.length > 0) return { parsed: undefined, problems }

  const credential = fields.get('Credential')
  const signature = fields.get('Signature')
  const signedHeaders = fields.get('SignedHeaders')
  if (!credential) problems.push(`Authorization header requires 'Credential' parameter.`)
  if (!signature) problems.push(`Authorization header requires 'Signature' parameter.`)
  if (!signedHeaders) problems.push(`Authorization header requires 'SignedHeaders' parameter.`)
  if (!credential || !signature || !signedHeaders) return { parsed: undefined, problems }
  return {
    parsed: {
      algorithm,
      credential,
      signature,
      signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''),
    },
    problems,
  }
}

/** Joins problem sentences the way AWS does, followed by the offending header. */
export function incompleteSignature(problems: readonly string[], header: string): IncompleteSignatureException {
  return new IncompleteSignatureException(`${problems.join(' ')} Authorization=${header}`)
}

/**
 * Parses a SigV4 `Authorization` header.
 * @throws IncompleteSignatureException when the algorithm is not `AWS4-HMAC-SHA256` or a parameter
 *   is missing or malformed.
 */
export function parseAuthorization(header: string): ParsedAuthorization {
  const { parsed, problems } = inspectAuthorization(header)
  if (!parsed) throw incompleteSignature(problems, header)
  return parsed
}

/**
 * Splits `<AKID>/<yyyymmdd>/<region>/<service>/aws4_request` into its parts.
 * @throws IncompleteSignatureException when the scope has the wrong shape or terminator.
 */
export function parseCredential(credential: string): CredentialScope {
  const parts = credential.split('/')
  if (parts.length !== 5) {
    throw new IncompleteSignatureException(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    )
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string]
  if (terminator !== SCOPE_TERMINATOR) {
    throw new IncompleteSignatureException(
      `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${terminator}'.`,
    )
  }
  if (accessKeyId === '') throw new IncompleteSignatureException(`Credential has an empty access key id: '${credential}'`)
  if (!/^\d{8}$/.test(date)) {
    throw new IncompleteSignatureException(`Credential should be scoped to a valid date (yyyymmdd), not '${date}'.`)
  }
  if (region === '') throw new IncompleteSignatureException(`Credential should be scoped to a valid region, not ''.`)
  if (service === '') throw new IncompleteSignatureException(`Credential should be scoped to correct service, not ''.`)
  return { accessKeyId, date, region, service }
}
