/**
 * The pipeline structure compiler's entry point: checks a `PipelineDeclaration` against the rules AWS
 * documents for CreatePipeline/UpdatePipeline (file-formats.md §4.2) and, when nothing is wrong,
 * compiles it into an immutable `NormalizedPipeline` for the engine. Every problem is reported (as
 * data, in declaration order within each rule family), not only the first; the service raises the
 * first one as its AWS exception (see `structureErrorToThrow`).
 *
 * Rule families live in one file each: check-pipeline (name, stores, version, type, V2 features,
 * execution mode), check-stages, check-actions (+ check-provider-config), check-artifacts,
 * check-variables (pipeline variables, namespaces, references), check-triggers.
 */
import type { PipelineDeclaration } from '../../../protocol/models/codepipeline.types.ts'
import { checkActions } from './check-actions.ts'
import { checkArtifacts } from './check-artifacts.ts'
import { checkPipeline } from './check-pipeline.ts'
import { checkStages } from './check-stages.ts'
import { checkTriggers } from './check-triggers.ts'
import { checkNamespaces, checkPipelineVariables, checkReferences } from './check-variables.ts'
import { normalizePipeline } from './normalize.ts'
import { actionSites, Problems } from './sites.ts'
import type { StructureError, ValidationContext, ValidationResult } from './types.ts'

export type { NormalizedAction, NormalizedPipeline, ProviderSpec, StructureError, ValidationContext } from './types.ts'
export { BUILT_IN_PROVIDERS } from './providers.ts'

export function validatePipeline(declaration: PipelineDeclaration, context: ValidationContext): ValidationResult {
  const problems = new Problems()
  if (typeof declaration !== 'object' || declaration === null || !Array.isArray(declaration.stages)) {
    problems.add('ValidationException', 'Pipeline declaration must be an object with a stages list')
    return { errors: problems.list }
  }
  if (declaration.stages.some((s) => typeof s !== 'object' || s === null || !Array.isArray(s.actions))) {
    problems.add('ValidationException', 'Every stage must be an object with an actions list')
    return { errors: problems.list }
  }
  const sites = actionSites(declaration, context)
  checkPipeline(declaration, context, problems)
  checkStages(declaration, problems)
  checkActions(sites, context, problems)
  checkArtifacts(sites, problems)
  checkPipelineVariables(declaration, problems)
  checkNamespaces(sites, problems)
  checkReferences(declaration, sites, problems)
  checkTriggers(declaration, problems)
  if (problems.count > 0) return { errors: problems.list }
  return { errors: [], normalized: normalizePipeline(declaration, context) }
}

/**
 * The error the service should throw for a failed validation: the first problem, with the count of the
 * others appended so a user fixing one at a time knows more are coming.
 */
export function structureErrorToThrow(errors: readonly StructureError[]): StructureError | undefined {
  const [first, ...rest] = errors
  if (!first) return undefined
  if (rest.length === 0) return first
  return { code: first.code, message: `${first.message} (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` }
}
