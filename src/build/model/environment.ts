/**
 * Environment variable precedence for a build (file-formats §1.3), as a pure merge.
 *
 * Highest wins: `StartBuild.environmentVariablesOverride` > project
 * `environment.environmentVariables` > buildspec `env` > the service's built-ins. Within the
 * buildspec, `secrets-manager` > `parameter-store` > `variables` for the same name (the parser
 * warns about such a clash). Names starting with `CODEBUILD_` are reserved for built-ins: a user
 * definition from any source is an error. The result keeps each name once, at the position of its
 * first definition (built-ins, buildspec, project, overrides), with the winning value and type —
 * secrets stay unresolved references for the service to resolve (and then mask).
 */
import type { EnvPlan } from './buildspec-types.ts'

export type EnvironmentVariableType = 'PLAINTEXT' | 'PARAMETER_STORE' | 'SECRETS_MANAGER'

/** As the CodeBuild API carries them; for PARAMETER_STORE / SECRETS_MANAGER `value` is the reference. */
export type EnvironmentVariable = { readonly name: string; readonly value: string; readonly type?: EnvironmentVariableType }

export type VariableSource = 'builtin' | 'buildspec' | 'project' | 'override'

export type ResolvedVariable = {
  readonly name: string
  readonly value: string
  readonly type: EnvironmentVariableType
  readonly source: VariableSource
}

export type EnvironmentInputs = {
  /** Set by the service (`CODEBUILD_BUILD_ID`, `AWS_REGION`, `HOME`, …); always PLAINTEXT. */
  readonly builtIns?: readonly { readonly name: string; readonly value: string }[]
  readonly buildspec?: EnvPlan
  readonly project?: readonly EnvironmentVariable[]
  readonly overrides?: readonly EnvironmentVariable[]
}

export type EnvironmentResult = {
  readonly variables: readonly ResolvedVariable[]
  /** Plain messages, e.g. `Environment variable name CODEBUILD_X is reserved (project)`. */
  readonly errors: readonly string[]
}

export const RESERVED_PREFIX = 'CODEBUILD_'

/** Merges every source by precedence; reserved names from user sources are errors (and dropped). */
export function resolveEnvironment(inputs: EnvironmentInputs): EnvironmentResult {
  const merged = new Map<string, ResolvedVariable>()
  const errors: string[] = []
  const put = (v: ResolvedVariable) => {
    if (v.source !== 'builtin' && v.name.startsWith(RESERVED_PREFIX)) {
      errors.push(`Environment variable name ${v.name} is reserved: names starting with ${RESERVED_PREFIX} cannot be set (${v.source})`)
      return
    }
    if (v.name === '') {
      errors.push(`Environment variable name must not be empty (${v.source})`)
      return
    }
    merged.set(v.name, v) // Map.set keeps the first insertion position
  }
  for (const v of inputs.builtIns ?? []) put({ name: v.name, value: v.value, type: 'PLAINTEXT', source: 'builtin' })
  for (const v of buildspecVariables(inputs.buildspec)) put(v)
  for (const v of inputs.project ?? []) put({ name: v.name, value: v.value, type: v.type ?? 'PLAINTEXT', source: 'project' })
  for (const v of inputs.overrides ?? []) put({ name: v.name, value: v.value, type: v.type ?? 'PLAINTEXT', source: 'override' })
  return { variables: [...merged.values()], errors }
}

function buildspecVariables(env: EnvPlan | undefined): ResolvedVariable[] {
  if (env === undefined) return []
  return [
    ...env.variables.map((v) => ({ name: v.name, value: v.value, type: 'PLAINTEXT' as const, source: 'buildspec' as const })),
    ...env.parameterStore.map((v) => ({ name: v.name, value: v.parameterName, type: 'PARAMETER_STORE' as const, source: 'buildspec' as const })),
    ...env.secretsManager.map((v) => ({ name: v.name, value: v.reference, type: 'SECRETS_MANAGER' as const, source: 'buildspec' as const })),
  ]
}

/**
 * Checks `env.exported-variables` against the resolved environment: names starting with `AWS_`
 * cannot be exported, nor can variables whose winning definition is a Parameter Store or Secrets
 * Manager reference (exporting would publish the secret in `Build.exportedEnvironmentVariables`
 * and pipeline variables). Names not defined anywhere are fine: commands may set them.
 */
export function validateExportedVariables(names: readonly string[], variables: readonly ResolvedVariable[]): readonly string[] {
  const byName = new Map(variables.map((v) => [v.name, v]))
  const errors: string[] = []
  for (const name of names) {
    if (name.startsWith('AWS_')) errors.push(`Exported variable ${name} is not allowed: names starting with AWS_ cannot be exported`)
    const v = byName.get(name)
    if (v !== undefined && v.type !== 'PLAINTEXT') errors.push(`Exported variable ${name} is not allowed: it is a ${v.type} variable`)
  }
  return errors
}

/** The values to mask in logs: every resolved secret value (pass resolved values, not references). */
export function secretValues(resolved: readonly { readonly type: EnvironmentVariableType; readonly value: string }[]): string[] {
  return resolved.filter((v) => v.type !== 'PLAINTEXT' && v.value !== '').map((v) => v.value)
}

export { MASK, createMasker, maskSecrets, type Masker } from './secret-masking.ts'
