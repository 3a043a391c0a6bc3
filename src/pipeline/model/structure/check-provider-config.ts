/**
 * Configuration values the built-in providers constrain (file-formats.md §4.3): boolean flags,
 * enumerations, CodeBuild's PrimarySource and EnvironmentVariables JSON, S3 deploy's ObjectKey. A value
 * holding a `#{...}` reference is only known at run time, so its value rules are skipped here.
 */
import { findReferences } from '../variables.ts'
import { type ActionSite, Problems, Where } from './sites.ts'

const CODEBUILD_ENV_TYPES = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER']

export function checkProviderConfiguration(site: ActionSite, problems: Problems): void {
  const { category, provider } = site.action.actionTypeId
  const config = site.action.configuration ?? {}
  const known = (key: string): string | undefined => {
    const value = config[key]
    return value === undefined || findReferences(value).length > 0 ? undefined : value
  }
  const bool = (key: string): void => {
    const value = known(key)
    if (value !== undefined && !/^(true|false)$/i.test(value)) {
      problems.add('InvalidActionDeclarationException', `${Where(site)}: configuration ${key} is '${value}'; use "true" or "false"`)
    }
  }
  const oneOf = (key: string, values: readonly string[]): void => {
    const value = known(key)
    if (value !== undefined && !values.includes(value)) {
      problems.add('InvalidActionDeclarationException', `${Where(site)}: configuration ${key} is '${value}'; use ${values.join(' or ')}`)
    }
  }

  if (category === 'Source' && provider === 'CodeCommit') {
    bool('PollForSourceChanges')
    oneOf('OutputArtifactFormat', ['CODE_ZIP', 'CODEBUILD_CLONE_REF'])
  } else if (category === 'Source' && provider === 'S3') {
    bool('PollForSourceChanges')
  } else if ((category === 'Build' || category === 'Test') && provider === 'CodeBuild') {
    bool('BatchEnabled')
    bool('CombineArtifacts')
    checkPrimarySource(site, known('PrimarySource'), 'PrimarySource' in config, problems)
    checkCodeBuildEnvironment(site, config['EnvironmentVariables'], problems)
  } else if (category === 'Deploy' && provider === 'S3') {
    bool('Extract')
    if (known('Extract')?.toLowerCase() === 'false' && !('ObjectKey' in config)) {
      problems.add('InvalidActionDeclarationException', `Action configuration for action ${site.action.name} in stage ${site.stage.name} is missing configuration key ObjectKey, which is required when Extract is false`)
    }
  }
}

function checkPrimarySource(site: ActionSite, primary: string | undefined, declared: boolean, problems: Problems): void {
  const inputs = (site.action.inputArtifacts ?? []).map((a) => a.name)
  if (inputs.length > 1 && !declared) {
    problems.add('InvalidActionDeclarationException', `${Where(site)} has ${inputs.length} input artifacts, so configuration PrimarySource is required: set it to one of ${inputs.join(', ')}`)
  }
  if (primary !== undefined && !inputs.includes(primary)) {
    problems.add('InvalidActionDeclarationException', `${Where(site)}: configuration PrimarySource is '${primary}', which is not one of its input artifacts (${inputs.join(', ') || 'none'})`)
  }
}

/** CodeBuild's EnvironmentVariables: a JSON array of {name, value, type?}; references inside values are fine. */
function checkCodeBuildEnvironment(site: ActionSite, raw: string | undefined, problems: Problems): void {
  if (raw === undefined) return
  const fail = (why: string): void => {
    problems.add('InvalidActionDeclarationException', `${Where(site)}: configuration EnvironmentVariables ${why}; expected a JSON array like [{"name":"STAGE","value":"prod","type":"PLAINTEXT"}]`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    fail('is not valid JSON')
    return
  }
  if (!Array.isArray(parsed)) {
    fail('is not a JSON array')
    return
  }
  for (const [i, entry] of parsed.entries()) {
    if (typeof entry !== 'object' || entry === null) {
      fail(`has item ${i} that is not an object`)
      continue
    }
    const { name, value, type } = entry as Record<string, unknown>
    if (typeof name !== 'string' || name.length === 0) fail(`has item ${i} without a string name`)
    if (typeof value !== 'string') fail(`has item ${i} (${String(name)}) without a string value`)
    if (type !== undefined && !CODEBUILD_ENV_TYPES.includes(String(type))) fail(`has item ${i} (${String(name)}) with type '${String(type)}' (use ${CODEBUILD_ENV_TYPES.join(', ')})`)
  }
}
