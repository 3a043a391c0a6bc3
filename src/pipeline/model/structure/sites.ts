/**
 * Shared plumbing of the rule families: the error collector, the name patterns, and `ActionSite` —
 * every action with its stage position and provider spec, computed once so each rule family can ask
 * "does A run before B?" the same way (earlier stage, or same stage with a lower runOrder).
 */
import type { ActionDeclaration, PipelineDeclaration, StageDeclaration } from '../../../protocol/models/codepipeline.types.ts'
import { findProvider } from './providers.ts'
import type { ProviderSpec, StructureError, StructureErrorCode, ValidationContext } from './types.ts'

/** Pipeline, stage and action names. */
export const NAME_PATTERN = /^[A-Za-z0-9.@\-_]{1,100}$/
export const ARTIFACT_NAME_PATTERN = /^[a-zA-Z0-9_\-]{1,100}$/
export const NAMESPACE_PATTERN = /^[A-Za-z0-9@\-_]{1,100}$/
export const VARIABLE_NAME_PATTERN = /^[A-Za-z0-9@\-_]{1,128}$/
export const PROVIDER_PATTERN = /^[0-9A-Za-z_-]{1,35}$/
export const VERSION_PATTERN = /^[0-9A-Za-z_-]{1,9}$/

export const DEFAULT_RUN_ORDER = 1

/** Collects problems in declaration order. */
export class Problems {
  readonly list: StructureError[] = []

  add(code: StructureErrorCode, message: string): void {
    this.list.push({ code, message })
  }

  get count(): number {
    return this.list.length
  }
}

export type ActionSite = {
  stage: StageDeclaration
  stageIndex: number
  action: ActionDeclaration
  /** Declared runOrder, or the default 1. */
  runOrder: number
  /** The provider's spec; undefined when Slipway does not know the action type. */
  spec: ProviderSpec | undefined
}

/** Every action of the pipeline, in declaration order. */
export function actionSites(declaration: PipelineDeclaration, context: ValidationContext): ActionSite[] {
  const sites: ActionSite[] = []
  for (const [stageIndex, stage] of (declaration.stages ?? []).entries()) {
    for (const action of stage.actions ?? []) {
      sites.push({
        stage,
        stageIndex,
        action,
        runOrder: action.runOrder ?? DEFAULT_RUN_ORDER,
        spec: action.actionTypeId ? findProvider(context.knownProviders, action.actionTypeId) : undefined,
      })
    }
  }
  return sites
}

/** True when `producer` finishes before `consumer` starts. */
export function runsBefore(producer: ActionSite, consumer: ActionSite): boolean {
  if (producer.stageIndex !== consumer.stageIndex) return producer.stageIndex < consumer.stageIndex
  return producer.runOrder < consumer.runOrder
}

/** `action Build in stage Build`, the "where" of an action message. */
export function where(site: Pick<ActionSite, 'stage' | 'action'>): string {
  return `action ${site.action.name} in stage ${site.stage.name}`
}

/** `Action Build in stage Build`, to start a sentence. */
export function Where(site: Pick<ActionSite, 'stage' | 'action'>): string {
  return `Action ${site.action.name} in stage ${site.stage.name}`
}

export function isSourceAction(action: ActionDeclaration): boolean {
  return action.actionTypeId?.category === 'Source'
}

/** Names that appear more than once, each reported once, in order of first repetition. */
export function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>()
  const repeated: string[] = []
  for (const name of names) {
    if (seen.has(name) && !repeated.includes(name)) repeated.push(name)
    seen.add(name)
  }
  return repeated
}
