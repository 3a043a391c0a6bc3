/**
 * Action-level rules: names unique within a stage, runOrder, the action type being one Slipway knows,
 * configuration keys (required present, unknown refused, lengths), `commands`, declared output and
 * environment variables, artifact counts, the approval timeout, and the region.
 */
import type { ActionTypeId } from '../../../protocol/models/codepipeline.types.ts'
import { checkProviderConfiguration } from './check-provider-config.ts'
import { type ActionSite, duplicates, NAME_PATTERN, PROVIDER_PATTERN, Problems, VERSION_PATTERN, Where, where } from './sites.ts'
import type { ProviderSpec, ValidationContext } from './types.ts'

const CATEGORIES = ['Source', 'Build', 'Deploy', 'Test', 'Invoke', 'Approval', 'Compute']
const OWNERS = ['AWS', 'ThirdParty', 'Custom']
const MAX_CONFIG_KEY = 50
const MAX_CONFIG_VALUE = 1000
const MAX_COMMAND = 1000
const DECLARED_OUTPUT_VARIABLES: readonly [number, number] = [1, 15]
const ENVIRONMENT_VARIABLES: readonly [number, number] = [1, 10]
const VARIABLE_NAME = /^[A-Za-z0-9@\-_]{1,128}$/
const ENV_NAME = /^[A-Za-z0-9_]{1,128}$/

export function checkActions(sites: readonly ActionSite[], context: ValidationContext, problems: Problems): void {
  const byStage = new Map<number, { stage: string; names: string[] }>()
  for (const site of sites) {
    const entry = byStage.get(site.stageIndex) ?? { stage: site.stage.name, names: [] }
    entry.names.push(site.action.name)
    byStage.set(site.stageIndex, entry)
  }
  for (const { stage, names } of byStage.values()) {
    for (const name of duplicates(names)) {
      problems.add('InvalidStageDeclarationException', `Stage ${stage} has more than one action named ${name}. Action names must be unique within a stage`)
    }
  }
  for (const site of sites) checkAction(site, context, problems)
}

function checkAction(site: ActionSite, context: ValidationContext, problems: Problems): void {
  const { action } = site
  if (typeof action.name !== 'string' || !NAME_PATTERN.test(action.name)) {
    problems.add('ValidationException', `Action name '${String(action.name)}' in stage ${site.stage.name} is invalid: use 1 to 100 characters from A-Z, a-z, 0-9, '.', '@', '-' and '_'`)
  }
  if (action.runOrder !== undefined && (!Number.isInteger(action.runOrder) || action.runOrder < 1 || action.runOrder > 999)) {
    problems.add('InvalidActionDeclarationException', `${Where(site)} has runOrder ${action.runOrder}; runOrder must be an integer from 1 to 999`)
  }
  if (action.region !== undefined && action.region !== context.region) {
    problems.add('InvalidActionDeclarationException', `${Where(site)} is set to run in region ${action.region}, but this Slipway server serves only ${context.region}: cross-region actions are not supported`)
  }
  checkConfigurationLengths(site, problems)
  if (!checkActionTypeId(site, problems)) return
  if (!site.spec) {
    problems.add('InvalidActionDeclarationException', unknownProviderMessage(action.actionTypeId, site, context))
    return
  }
  const spec = site.spec
  checkConfigurationKeys(site, spec, problems)
  checkCommands(site, spec, problems)
  checkDeclaredVariables(site, spec, problems)
  checkArtifactCount(site, 'input', (action.inputArtifacts ?? []).length, spec.inputArtifacts, problems)
  checkArtifactCount(site, 'output', (action.outputArtifacts ?? []).length, spec.outputArtifacts, problems)
  checkTimeout(site, spec, problems)
  if (spec.owner === 'AWS') checkProviderConfiguration(site, problems)
}

function checkActionTypeId(site: ActionSite, problems: Problems): boolean {
  const id = site.action.actionTypeId
  if (!id) {
    problems.add('ValidationException', `${Where(site)} has no actionTypeId`)
    return false
  }
  const before = problems.count
  if (!CATEGORIES.includes(id.category)) problems.add('ValidationException', `${Where(site)} has category '${String(id.category)}'; use one of ${CATEGORIES.join(', ')}`)
  if (!OWNERS.includes(id.owner)) problems.add('ValidationException', `${Where(site)} has owner '${String(id.owner)}'; use one of ${OWNERS.join(', ')}`)
  if (typeof id.provider !== 'string' || !PROVIDER_PATTERN.test(id.provider)) problems.add('ValidationException', `${Where(site)} has provider '${String(id.provider)}', which is not 1 to 35 characters from A-Z, a-z, 0-9, '_' and '-'`)
  if (typeof id.version !== 'string' || !VERSION_PATTERN.test(id.version)) problems.add('ValidationException', `${Where(site)} has version '${String(id.version)}', which is not 1 to 9 characters from A-Z, a-z, 0-9, '_' and '-'`)
  return problems.count === before
}

function unknownProviderMessage(id: ActionTypeId, site: ActionSite, context: ValidationContext): string {
  const head = `ActionType (Category: '${id.category}', Provider: '${id.provider}', Owner: '${id.owner}', Version: '${id.version}') in action ${site.action.name} of stage ${site.stage.name} is not available in region ${context.region}`
  if (id.owner === 'Custom') return `${head}: no custom action type with this category, provider and version exists (create one with CreateCustomActionType)`
  const same = context.knownProviders.filter((p) => p.category === id.category).map((p) => `${p.owner}/${p.provider} version ${p.version}`)
  const offer = same.length > 0 ? `; for ${id.category} actions it implements ${same.join(', ')}` : ''
  return `${head}: Slipway does not implement this action type${offer}`
}

function checkConfigurationLengths(site: ActionSite, problems: Problems): void {
  for (const [key, value] of Object.entries(site.action.configuration ?? {})) {
    if (key.length < 1 || key.length > MAX_CONFIG_KEY) {
      problems.add('ValidationException', `${Where(site)} has configuration key '${key.slice(0, 60)}' of ${key.length} characters; keys must be 1 to ${MAX_CONFIG_KEY} characters`)
    }
    if (typeof value !== 'string') {
      problems.add('ValidationException', `${Where(site)}: configuration value of ${key} must be a string`)
    } else if (value.length < 1 || value.length > MAX_CONFIG_VALUE) {
      problems.add('ValidationException', `${Where(site)}: configuration value of ${key} is ${value.length} characters; values must be 1 to ${MAX_CONFIG_VALUE} characters`)
    }
  }
}

function checkConfigurationKeys(site: ActionSite, spec: ProviderSpec, problems: Problems): void {
  const config = site.action.configuration ?? {}
  const allowed = [...spec.requiredConfiguration, ...spec.optionalConfiguration]
  for (const key of spec.requiredConfiguration) {
    if (!(key in config)) {
      problems.add('InvalidActionDeclarationException', `Action configuration for ${where(site)} is missing required configuration key ${key} (${spec.provider})`)
    }
  }
  for (const key of Object.keys(config)) {
    if (allowed.includes(key)) continue
    const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase())
    const hint = near ? ` (did you mean ${near}?)` : allowed.length > 0 ? `; ${spec.provider} accepts ${allowed.join(', ')}` : `; ${spec.provider} takes no configuration`
    problems.add('InvalidActionDeclarationException', `Action configuration for ${where(site)} has unknown configuration key ${key}${hint}`)
  }
}

function checkCommands(site: ActionSite, spec: ProviderSpec, problems: Problems): void {
  const commands = site.action.commands
  if (!spec.commands) {
    if (commands !== undefined) problems.add('InvalidActionDeclarationException', `${Where(site)} has commands, but only Commands actions (Compute/AWS/Commands) take commands`)
    return
  }
  const [min, max] = spec.commands
  const count = (commands ?? []).length
  if (count < min) problems.add('InvalidActionDeclarationException', `${Where(site)} must have a non-empty commands field (${min} to ${max} commands)`)
  if (count > max) problems.add('InvalidActionDeclarationException', `${Where(site)} has ${count} commands; at most ${max} are allowed`)
  for (const [i, command] of (commands ?? []).entries()) {
    if (typeof command !== 'string' || command.length < 1 || command.length > MAX_COMMAND) {
      problems.add('ValidationException', `${Where(site)}: commands[${i}] must be 1 to ${MAX_COMMAND} characters`)
    }
  }
}

function checkDeclaredVariables(site: ActionSite, spec: ProviderSpec, problems: Problems): void {
  const { outputVariables, environmentVariables } = site.action
  if (!spec.acceptsDeclaredVariables) {
    if (outputVariables !== undefined) problems.add('InvalidActionDeclarationException', `${Where(site)} declares outputVariables, which only Commands actions take (${spec.provider} publishes its own output variables)`)
    if (environmentVariables !== undefined) problems.add('InvalidActionDeclarationException', `${Where(site)} declares environmentVariables, which only Commands actions take`)
    return
  }
  if (outputVariables !== undefined) {
    const [min, max] = DECLARED_OUTPUT_VARIABLES
    if (outputVariables.length < min || outputVariables.length > max) problems.add('ValidationException', `${Where(site)} declares ${outputVariables.length} outputVariables; declare ${min} to ${max}`)
    for (const name of outputVariables) if (typeof name !== 'string' || !VARIABLE_NAME.test(name)) problems.add('ValidationException', `${Where(site)}: output variable name '${String(name)}' is invalid: use 1 to 128 characters from A-Z, a-z, 0-9, '@', '-' and '_'`)
    for (const name of duplicates(outputVariables)) problems.add('InvalidActionDeclarationException', `${Where(site)} declares output variable ${name} more than once`)
  }
  if (environmentVariables !== undefined) {
    const [min, max] = ENVIRONMENT_VARIABLES
    if (environmentVariables.length < min || environmentVariables.length > max) problems.add('ValidationException', `${Where(site)} declares ${environmentVariables.length} environmentVariables; declare ${min} to ${max}`)
    for (const variable of environmentVariables) {
      if (typeof variable.name !== 'string' || !ENV_NAME.test(variable.name)) problems.add('ValidationException', `${Where(site)}: environment variable name '${String(variable.name)}' is invalid: use 1 to 128 characters from A-Z, a-z, 0-9 and '_'`)
      if (typeof variable.value !== 'string' || variable.value.length < 1 || variable.value.length > 2000) problems.add('ValidationException', `${Where(site)}: environment variable ${variable.name} must have a value of 1 to 2000 characters`)
      if (variable.type !== undefined && variable.type !== 'PLAINTEXT' && variable.type !== 'SECRETS_MANAGER') problems.add('ValidationException', `${Where(site)}: environment variable ${variable.name} has type '${String(variable.type)}'; use PLAINTEXT or SECRETS_MANAGER`)
    }
    for (const name of duplicates(environmentVariables.map((v) => v.name))) problems.add('InvalidActionDeclarationException', `${Where(site)} declares environment variable ${name} more than once`)
  }
}

function checkArtifactCount(site: ActionSite, kind: 'input' | 'output', count: number, [min, max]: readonly [number, number], problems: Problems): void {
  if (count < min) problems.add('InvalidActionDeclarationException', `${Where(site)} declares ${count} ${kind} artifacts which is less than the minimum count (${min}) for ${site.spec?.provider}`)
  if (count > max) problems.add('InvalidActionDeclarationException', `${Where(site)} declares ${count} ${kind} artifacts which is more than the maximum count (${max}) for ${site.spec?.provider}`)
}

function checkTimeout(site: ActionSite, spec: ProviderSpec, problems: Problems): void {
  const timeout = site.action.timeoutInMinutes
  if (timeout === undefined) return
  if (!spec.timeoutInMinutes) {
    problems.add('InvalidActionDeclarationException', `${Where(site)} sets timeoutInMinutes, which only Manual approval actions take`)
    return
  }
  const [min, max] = spec.timeoutInMinutes
  if (!Number.isInteger(timeout) || timeout < min || timeout > max) {
    problems.add('InvalidActionDeclarationException', `${Where(site)} has timeoutInMinutes ${timeout}; it must be a whole number of minutes from ${min} to ${max}`)
  }
}
