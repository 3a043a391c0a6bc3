import type { ProjectEnvironment } from '../../protocol/models/codebuild.types.ts'

/**
 * What a build asks of the runner that runs it, from its environment: the environment `type`
 * (LINUX_CONTAINER, ARM_CONTAINER, …), `computeType`, `image`, and the reserved-capacity `fleet`
 * (the name in `environment.fleet.fleetArn`) it is pinned to.
 */
export type RunnerRequirements = { type?: string; computeType?: string; image?: string; fleet?: string }

/** A runner's labels: `key → accepted values` (`--labels computeType=BUILD_GENERAL1_SMALL|BUILD_GENERAL1_LARGE,…`). */
export type RunnerLabels = Record<string, string[]>

/** The labels whose values a build's environment is matched against. */
export const MATCHED_LABELS = ['type', 'computeType', 'image'] as const

/** The fleet name of a fleet ARN (`arn:aws:codebuild:<region>:<account>:fleet/<name>[:<uuid>]`) or a bare name. */
export function fleetNameOf(fleetArn: string): string {
  const m = /^arn:aws[\w-]*:codebuild:[^:]*:[^:]*:fleet\/([^:]+)/.exec(fleetArn)
  return m?.[1] ?? fleetArn
}

export function requirementsOf(env: Pick<ProjectEnvironment, 'type' | 'computeType' | 'image' | 'fleet'>): RunnerRequirements {
  const fleet = env.fleet?.fleetArn ? fleetNameOf(env.fleet.fleetArn) : undefined
  return { type: env.type, computeType: env.computeType, image: env.image, ...(fleet ? { fleet } : {}) }
}

/**
 * `value` equals the pattern, or the pattern's `*` stands for any run of characters
 * (`aws/codebuild/*`). Linear-time two-pointer matching: a runner's label can never make it slow.
 */
export function valueMatches(pattern: string, value: string): boolean {
  let p = 0
  let v = 0
  let star = -1
  let resume = 0
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === value[v]) {
      p++
      v++
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++
      resume = v
    } else if (star >= 0) {
      p = star + 1
      v = ++resume
    } else {
      return false
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++
  return p === pattern.length
}

/**
 * Whether a runner with `labels` may run a build that requires `req`. A label the runner does not
 * set accepts any value; one it sets must list (or glob) the build's value. Fleets are exclusive both
 * ways, as CodeBuild's reserved capacity is: a fleet's build runs only on that fleet's runners, and a
 * fleet's runners run only its builds.
 */
export function runnerAccepts(labels: RunnerLabels, req: RunnerRequirements): boolean {
  const runnerFleet = labels.fleet?.[0]
  if ((runnerFleet ?? '') !== (req.fleet ?? '')) return false
  for (const key of MATCHED_LABELS) {
    const wanted = req[key]
    const offered = labels[key]
    if (wanted === undefined || offered === undefined) continue
    if (!offered.some((p) => valueMatches(p, wanted))) return false
  }
  return true
}

/** Parses `k=v,k=v1|v2`; returns the problem as a string when it is malformed. */
export function parseRunnerLabels(text: string): RunnerLabels | string {
  const labels: RunnerLabels = {}
  if (text.trim() === '') return labels
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    const key = part.slice(0, eq).trim()
    const values = part.slice(eq + 1).split('|').map((v) => v.trim()).filter((v) => v !== '')
    if (eq <= 0 || !/^[A-Za-z][\w.-]{0,63}$/.test(key) || values.length === 0) return `label '${part}' must be key=value (values separated by |)`
    if (values.some((v) => v.length > 256)) return `label ${key}: a value is longer than 256 characters`
    labels[key] = [...(labels[key] ?? []), ...values]
  }
  if ((labels.fleet?.length ?? 0) > 1) return 'a runner belongs to at most one fleet'
  return labels
}

/** `k=v1|v2,k2=v` — the labels as the CLI and the console show them. */
export function formatRunnerLabels(labels: RunnerLabels): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v.join('|')}`).join(',')
}

/** Why no runner takes a build (the console's build page says it), or undefined when one could. */
export function waitingReason(req: RunnerRequirements, runners: { name: string; labels: RunnerLabels }[]): string | undefined {
  if (runners.some((r) => runnerAccepts(r.labels, req))) return undefined
  const wanted = [req.fleet ? `fleet=${req.fleet}` : undefined, ...MATCHED_LABELS.map((k) => (req[k] ? `${k}=${req[k]}` : undefined))].filter((s) => s !== undefined)
  return runners.length === 0
    ? 'Waiting for a build runner: none is registered'
    : `Waiting for a build runner that accepts ${wanted.join(', ')}: none of the ${runners.length} registered runners does`
}
