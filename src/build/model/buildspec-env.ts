/**
 * The buildspec's `env` section → `EnvPlan` (file-formats §1.2, §1.3).
 *
 * Rules: values are strings as written (`1.0` stays `"1.0"`, an empty value is `""`); names
 * starting with `CODEBUILD_` are reserved (error); names that no shell can export get a warning;
 * a name in more than one of `variables` / `parameter-store` / `secrets-manager` gets a warning
 * (the later section in that order wins, see `environment.ts`); `exported-variables` may not name
 * `AWS_*` variables.
 */
import { SHELLS, type BuildspecShell, type EnvPlan, type ParameterStoreVariable, type PlainVariable, type SecretsManagerVariable } from './buildspec-types.ts'
import type { Reader, Slot } from './yaml-reader.ts'

const ENV_KEYS = ['shell', 'variables', 'parameter-store', 'secrets-manager', 'exported-variables', 'git-credential-helper'] as const
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The `env` plan with every default applied (an absent section is an empty env). */
export function readEnv(r: Reader, slot: Slot | undefined): EnvPlan {
  const entries = slot === undefined ? undefined : r.entries(slot, 'env', ENV_KEYS)
  const get = (key: string) => entries?.find((e) => e.name === key)?.slot
  const shell = readShell(r, get('shell'))
  const variables = readNamed<PlainVariable>(r, get('variables'), 'env.variables', (name, s) => {
    const value = r.isAbsent(s) ? '' : r.string(s, `env.variables.${name}`)
    return value === undefined ? undefined : { name, value }
  })
  const parameterStore = readNamed<ParameterStoreVariable>(r, get('parameter-store'), 'env.parameter-store', (name, s) => {
    const parameterName = r.requiredString(s, `env.parameter-store.${name}`)
    return parameterName === undefined ? undefined : { name, parameterName }
  })
  const secretsManager = readNamed<SecretsManagerVariable>(r, get('secrets-manager'), 'env.secrets-manager', (name, s) => {
    const reference = r.requiredString(s, `env.secrets-manager.${name}`)
    return reference === undefined ? undefined : parseSecretReference(r, s, name, reference)
  })
  warnOnRedefinition(r, [
    ['env.variables', variables],
    ['env.parameter-store', parameterStore],
    ['env.secrets-manager', secretsManager],
  ])
  const exportedSlot = get('exported-variables')
  const exportedVariables = exportedSlot === undefined ? [] : (r.list(exportedSlot, 'env.exported-variables', (s, i) => readExportedName(r, s, i)) ?? [])
  const helperSlot = get('git-credential-helper')
  const gitCredentialHelper = (helperSlot && r.bool(helperSlot, 'env.git-credential-helper')) ?? false
  return {
    ...(shell !== undefined && { shell }),
    variables: variables.map((v) => v.value),
    parameterStore: parameterStore.map((v) => v.value),
    secretsManager: secretsManager.map((v) => v.value),
    exportedVariables,
    gitCredentialHelper,
  }
}

function readShell(r: Reader, slot: Slot | undefined): BuildspecShell | undefined {
  if (slot === undefined) return undefined
  const shell = r.string(slot, 'env.shell')
  if (shell === undefined) return undefined
  if ((SHELLS as readonly string[]).includes(shell)) return shell as BuildspecShell
  r.error(slot, `Unsupported shell '${shell}' in env.shell: expected one of ${SHELLS.join(', ')}`)
  return undefined
}

type Named<T> = { readonly name: string; readonly at: Slot; readonly value: T }

/** A `NAME: value` mapping: checks each name, then reads its value with `read`. */
function readNamed<T>(r: Reader, slot: Slot | undefined, label: string, read: (name: string, s: Slot) => T | undefined): Named<T>[] {
  if (slot === undefined) return []
  const out: Named<T>[] = []
  for (const { name, slot: s } of r.entries(slot, label) ?? []) {
    const at = { ...s, node: null }
    if (!checkName(r, at, name, label)) continue
    const value = read(name, s)
    if (value !== undefined) out.push({ name, at, value })
  }
  return out
}

function checkName(r: Reader, at: Slot, name: string, label: string): boolean {
  if (name === '') {
    r.error(at, `Empty variable name in ${label}`)
    return false
  }
  if (name.startsWith('CODEBUILD_')) {
    r.error(at, `Invalid environment variable name '${name}' in ${label}: names starting with CODEBUILD_ are reserved`)
    return false
  }
  if (!SHELL_NAME.test(name)) r.warn(at, `Environment variable name '${name}' in ${label} is not a valid shell name and may not be visible to commands`)
  return true
}

function warnOnRedefinition(r: Reader, sections: [string, readonly Named<unknown>[]][]): void {
  const firstSection = new Map<string, string>()
  for (const [label, vars] of sections) {
    for (const { name, at } of vars) {
      const earlier = firstSection.get(name)
      if (earlier === undefined) firstSection.set(name, label)
      else if (earlier !== label) r.warn(at, `Environment variable '${name}' is defined in both ${earlier} and ${label}; the ${label} value is used`)
    }
  }
}

function readExportedName(r: Reader, slot: Slot, index: number): string | undefined {
  const name = r.requiredString(slot, `env.exported-variables[${index}]`)
  if (name === undefined) return undefined
  if (name.startsWith('AWS_')) {
    r.error(slot, `Invalid exported variable '${name}': variables starting with AWS_ cannot be exported`)
    return undefined
  }
  return name
}

/**
 * `secret-id[:json-key[:version-stage[:version-id]]]`. A secret id that is an ARN
 * (`arn:partition:secretsmanager:region:account:secret:name`) keeps its six colons.
 */
function parseSecretReference(r: Reader, slot: Slot, name: string, reference: string): SecretsManagerVariable | undefined {
  const parts = reference.split(':')
  const idParts = reference.startsWith('arn:') ? 7 : 1
  if (parts.length < idParts || parts.length > idParts + 3) {
    r.error(slot, `Invalid secrets-manager reference for ${name}: expected secret-id:json-key:version-stage:version-id`)
    return undefined
  }
  const secretId = parts.slice(0, idParts).join(':')
  const [jsonKey = '', versionStage = '', versionId = ''] = parts.slice(idParts)
  if (secretId === '' || (idParts === 7 && parts[6] === '')) {
    r.error(slot, `Invalid secrets-manager reference for ${name}: the secret id is empty`)
    return undefined
  }
  if (versionStage !== '' && versionId !== '') {
    r.error(slot, `Invalid secrets-manager reference for ${name}: version-stage and version-id are mutually exclusive`)
    return undefined
  }
  return {
    name,
    reference,
    secretId,
    ...(jsonKey !== '' && { jsonKey }),
    ...(versionStage !== '' && { versionStage }),
    ...(versionId !== '' && { versionId }),
  }
}
