/**
 * Variables: pipeline-level variable declarations, action namespaces (valid, unique, not reserved, not
 * an artifact name), and every `#{ns.key}` reference in configuration values, Commands `commands` and
 * environment variable values — valid only for `codepipeline.PipelineExecutionId`, a declared
 * `variables.<name>`, or the namespace of an action that runs earlier and publishes that key.
 */
import type { PipelineDeclaration } from '../../../protocol/models/codepipeline.types.ts'
import { findReferences } from '../variables.ts'
import { type ActionSite, duplicates, NAMESPACE_PATTERN, Problems, runsBefore, VARIABLE_NAME_PATTERN, Where, where } from './sites.ts'

export const RESERVED_NAMESPACES = ['codepipeline', 'variables'] as const
const CODEPIPELINE_KEYS = ['PipelineExecutionId']
const MAX_VARIABLES = 50

export function checkPipelineVariables(declaration: PipelineDeclaration, problems: Problems): void {
  const variables = declaration.variables ?? []
  if (variables.length > MAX_VARIABLES) problems.add('ValidationException', `Pipeline declares ${variables.length} variables; at most ${MAX_VARIABLES} are allowed`)
  for (const variable of variables) {
    if (typeof variable.name !== 'string' || !VARIABLE_NAME_PATTERN.test(variable.name)) {
      problems.add('ValidationException', `Pipeline variable name '${String(variable.name)}' is invalid: use 1 to 128 characters from A-Z, a-z, 0-9, '@', '-' and '_'`)
    }
    const value = variable.defaultValue
    if (value !== undefined && (typeof value !== 'string' || value.length < 1 || value.length > 1000)) {
      problems.add('ValidationException', `Pipeline variable ${variable.name}: defaultValue must be 1 to 1000 characters`)
    }
    if (variable.description !== undefined && (typeof variable.description !== 'string' || variable.description.length > 200)) {
      problems.add('ValidationException', `Pipeline variable ${variable.name}: description must be at most 200 characters`)
    }
  }
  for (const name of duplicates(variables.map((v) => v.name))) {
    problems.add('InvalidStructureException', `Pipeline declares variable ${name} more than once. Pipeline variable names must be unique`)
  }
}

export function checkNamespaces(sites: readonly ActionSite[], problems: Problems): void {
  const artifacts = new Set(sites.flatMap((s) => [...(s.action.outputArtifacts ?? []), ...(s.action.inputArtifacts ?? [])].map((a) => a.name)))
  const owners = new Map<string, ActionSite[]>()
  for (const site of sites) {
    const ns = site.action.namespace
    if (ns === undefined) continue
    if (typeof ns !== 'string' || !NAMESPACE_PATTERN.test(ns)) {
      problems.add('ValidationException', `${Where(site)} has namespace '${String(ns)}', which is not 1 to 100 characters from A-Z, a-z, 0-9, '@', '-' and '_'`)
      continue
    }
    if ((RESERVED_NAMESPACES as readonly string[]).includes(ns)) {
      problems.add('InvalidActionDeclarationException', `${Where(site)} uses the reserved namespace ${ns}; choose another namespace (codepipeline and variables are reserved)`)
    }
    if (artifacts.has(ns)) {
      problems.add('InvalidStructureException', `${Where(site)} has namespace ${ns}, which is also an artifact name. Namespaces must not equal any artifact name`)
    }
    const list = owners.get(ns) ?? []
    list.push(site)
    owners.set(ns, list)
  }
  for (const [ns, list] of owners) {
    if (list.length > 1) problems.add('InvalidStructureException', `Namespace ${ns} is declared by more than one action (${list.map(where).join('; ')}). Namespaces must be unique within a pipeline`)
  }
}

/** Each text of an action that may hold references, with where it sits. */
function referenceSources(site: ActionSite): { label: string; text: string }[] {
  const sources: { label: string; text: string }[] = []
  for (const [key, value] of Object.entries(site.action.configuration ?? {})) if (typeof value === 'string') sources.push({ label: `configuration ${key}`, text: value })
  for (const [i, command] of (site.action.commands ?? []).entries()) if (typeof command === 'string') sources.push({ label: `commands[${i}]`, text: command })
  for (const variable of site.action.environmentVariables ?? []) if (typeof variable.value === 'string') sources.push({ label: `environment variable ${variable.name}`, text: variable.value })
  return sources
}

export function checkReferences(declaration: PipelineDeclaration, sites: readonly ActionSite[], problems: Problems): void {
  const declared = new Set((declaration.variables ?? []).map((v) => v.name))
  const byNamespace = new Map<string, ActionSite>()
  for (const site of sites) if (site.action.namespace && !byNamespace.has(site.action.namespace)) byNamespace.set(site.action.namespace, site)

  for (const site of sites) {
    const reported = new Set<string>()
    for (const { label, text } of referenceSources(site)) {
      for (const ref of findReferences(text)) {
        const problem = referenceProblem(ref.namespace, ref.key, site, declared, byNamespace)
        const message = problem && `${Where(site)}: ${label} refers to #{${ref.namespace}.${ref.key}}, ${problem}`
        if (message && !reported.has(message)) {
          reported.add(message)
          problems.add('InvalidActionDeclarationException', message)
        }
      }
    }
  }
}

/** Why a reference is invalid, or undefined when it is fine. */
function referenceProblem(ns: string, key: string, consumer: ActionSite, declared: ReadonlySet<string>, byNamespace: ReadonlyMap<string, ActionSite>): string | undefined {
  if (ns === 'codepipeline') {
    return CODEPIPELINE_KEYS.includes(key) ? undefined : `but the codepipeline namespace has only ${CODEPIPELINE_KEYS.join(', ')}`
  }
  if (ns === 'variables') {
    return declared.has(key) ? undefined : `but the pipeline declares no variable named ${key}`
  }
  const producer = byNamespace.get(ns)
  if (!producer) return `but no action declares the namespace ${ns}`
  if (producer === consumer) return 'which is its own namespace; an action can only use variables of actions that run before it'
  if (!runsBefore(producer, consumer)) return `but namespace ${ns} belongs to ${where(producer)}, which does not run before it (use an earlier stage or a lower runOrder)`
  const spec = producer.spec
  if (!spec || spec.outputVariables === 'dynamic') return undefined
  if (!spec.outputVariables || spec.outputVariables.length === 0) return `but ${where(producer)} (${spec.provider}) publishes no output variables`
  if (!spec.outputVariables.includes(key)) return `but ${where(producer)} (${spec.provider}) publishes only ${spec.outputVariables.join(', ')}`
  return undefined
}
