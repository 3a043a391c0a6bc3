/**
 * CodePipeline webhooks (PutWebhook): a URL that starts a pipeline when called with a payload every
 * filter matches, authenticated as the definition says. What a definition must be, and how a filter's
 * `matchEquals` names the target action's configuration (`refs/heads/{Branch}`).
 */
import { AwsError } from '../../shared/errors.ts'
import type { NormalizedPipeline } from './structure/types.ts'

export type WebhookAuthentication = 'GITHUB_HMAC' | 'IP' | 'UNAUTHENTICATED'

export type WebhookDefinition = {
  name: string
  targetPipeline: string
  targetAction: string
  filters: { jsonPath: string; matchEquals?: string }[]
  authentication: WebhookAuthentication
  authenticationConfiguration: { AllowedIPRange?: string; SecretToken?: string }
}

const filterError = (message: string) => new AwsError('InvalidWebhookFilterPatternException', message)
const authError = (message: string) => new AwsError('InvalidWebhookAuthenticationParametersException', message)

/** `{Name}` references in a filter's matchEquals. */
const REFERENCE = /\{([^{}]*)\}/g

/** The target action's configuration (it must be a source action of the pipeline). */
export function webhookTarget(pipeline: NormalizedPipeline, actionName: string): Readonly<Record<string, string>> {
  const action = pipeline.stages[0]?.groups.flatMap((g) => g.actions).find((a) => a.name === actionName)
  if (!action) throw new AwsError('ValidationException', `Webhook target action ${actionName} is not a source action of pipeline ${pipeline.name}`)
  return action.configuration
}

/**
 * Checks a definition against its pipeline: filters whose JSON paths start at `$` and whose
 * references name the action's configuration; authentication with what its type needs.
 * `validCidr` is the IP check (an I/O-free adapter from the service).
 */
export function validateWebhook(d: WebhookDefinition, pipeline: NormalizedPipeline, validCidr: (range: string) => boolean): void {
  const configuration = webhookTarget(pipeline, d.targetAction)
  if (d.filters.length === 0) throw filterError('A webhook needs at least one filter')
  if (d.filters.length > 5) throw filterError(`A webhook has at most 5 filters, not ${d.filters.length}`)
  for (const f of d.filters) {
    if (!f.jsonPath.startsWith('$')) throw filterError(`The JSON path ${f.jsonPath} does not start at the payload's root ($)`)
    if (/\?\(|\(@/.test(f.jsonPath)) throw filterError(`The JSON path ${f.jsonPath} uses a script expression, which webhooks do not evaluate`)
    for (const [, name] of f.matchEquals?.matchAll(REFERENCE) ?? []) {
      if (!name || !(name in configuration)) throw filterError(`matchEquals ${f.matchEquals} names {${name}}, which is not a configuration property of action ${d.targetAction}`)
    }
  }
  const secret = d.authenticationConfiguration.SecretToken
  const range = d.authenticationConfiguration.AllowedIPRange
  if (d.authentication === 'GITHUB_HMAC' && (!secret || secret.length > 100)) throw authError('GITHUB_HMAC authentication needs a SecretToken of 1 to 100 characters')
  if (d.authentication === 'IP' && (!range || !validCidr(range))) throw authError(`IP authentication needs an AllowedIPRange in CIDR notation, got ${range ?? 'none'}`)
}

/** A filter's expected value, its `{Name}` references replaced by the action's configuration. */
export function expectedValue(matchEquals: string, configuration: Readonly<Record<string, string>>): string {
  return matchEquals.replace(REFERENCE, (_, name: string) => configuration[name] ?? '')
}

/** Whether a filter matches the values its JSON path found in the payload. */
export function filterMatches(found: readonly unknown[], matchEquals: string | undefined, configuration: Readonly<Record<string, string>>): boolean {
  if (matchEquals === undefined) return found.length > 0
  const expected = expectedValue(matchEquals, configuration)
  return found.some((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && String(v) === expected)
}
