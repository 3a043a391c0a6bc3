/**
 * Pipeline-level rules: the name, the artifact store(s), the version on update, the pipeline type and
 * the V2-only features, and the execution mode.
 *
 * Pipeline type: an explicit `V1` with any V2-only feature is an error. With `pipelineType` omitted,
 * the pipeline is V1 unless it uses a V2-only feature, in which case it becomes V2 — the API model's
 * documentation says including V2 parameters makes the pipeline V2.
 */
import type { ArtifactStore, PipelineDeclaration, PipelineType } from '../../../protocol/models/codepipeline.types.ts'
import { NAME_PATTERN, Problems } from './sites.ts'
import type { ValidationContext } from './types.ts'

const BUCKET_PATTERN = /^[a-zA-Z0-9\-.]{3,63}$/
const PIPELINE_TYPES = ['V1', 'V2']
const EXECUTION_MODES = ['QUEUED', 'SUPERSEDED', 'PARALLEL']

/** The V2-only features a declaration uses, each as a phrase for a message. */
export function v2Features(declaration: PipelineDeclaration): string[] {
  const features: string[] = []
  const mode = declaration.executionMode
  if (mode === 'QUEUED' || mode === 'PARALLEL') features.push(`Execution mode ${mode}`)
  if ((declaration.variables ?? []).length > 0) features.push('Pipeline-level variables')
  if ((declaration.triggers ?? []).length > 0) features.push('Triggers')
  for (const stage of declaration.stages ?? []) {
    const kinds = [stage.onFailure && 'onFailure', stage.onSuccess && 'onSuccess', stage.beforeEntry && 'beforeEntry'].filter(Boolean)
    if (kinds.length > 0) features.push(`Stage conditions (${kinds.join(', ')} in stage ${stage.name})`)
  }
  return features
}

/** The type the pipeline is stored as (see the file comment). */
export function effectivePipelineType(declaration: PipelineDeclaration): PipelineType {
  if (declaration.pipelineType) return declaration.pipelineType
  return v2Features(declaration).length > 0 ? 'V2' : 'V1'
}

export function checkPipeline(declaration: PipelineDeclaration, context: ValidationContext, problems: Problems): void {
  const name = declaration.name
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    problems.add('ValidationException', `Pipeline name '${String(name)}' is invalid: use 1 to 100 characters from A-Z, a-z, 0-9, '.', '@', '-' and '_'`)
  }
  checkArtifactStores(declaration, context, problems)

  if (context.existingVersion !== undefined && declaration.version !== undefined && declaration.version !== context.existingVersion) {
    problems.add(
      'InvalidStructureException',
      `Pipeline ${name} is at version ${context.existingVersion}, but the update was made from version ${declaration.version}; get the pipeline again and reapply your change`,
    )
  }

  if (declaration.pipelineType !== undefined && !PIPELINE_TYPES.includes(declaration.pipelineType)) {
    problems.add('ValidationException', `Pipeline type '${declaration.pipelineType}' is invalid: use V1 or V2`)
  }
  if (declaration.executionMode !== undefined && !EXECUTION_MODES.includes(declaration.executionMode)) {
    problems.add('ValidationException', `Execution mode '${declaration.executionMode}' is invalid: use QUEUED, SUPERSEDED or PARALLEL`)
  }
  if (declaration.pipelineType === 'V1') {
    for (const feature of v2Features(declaration)) {
      problems.add('InvalidStructureException', `${feature} can only be used with V2 pipelines; pipeline ${name} is declared with pipelineType V1`)
    }
  }
  if (declaration.executionMode === 'PARALLEL') {
    for (const stage of declaration.stages ?? []) {
      if (stage.onFailure?.result === 'ROLLBACK') {
        problems.add('InvalidStructureException', `Stage ${stage.name} has onFailure result ROLLBACK, which is not available in PARALLEL execution mode`)
      }
    }
  }
}

function checkArtifactStores(declaration: PipelineDeclaration, context: ValidationContext, problems: Problems): void {
  const single = declaration.artifactStore
  const perRegion = declaration.artifactStores
  if (single && perRegion) {
    problems.add('InvalidStructureException', 'Pipeline declares both artifactStore and artifactStores; use exactly one of them')
    return
  }
  if (!single && !perRegion) {
    problems.add('InvalidStructureException', 'Pipeline declares no artifact store; set artifactStore (or artifactStores)')
    return
  }
  if (single) {
    checkArtifactStore(single, 'artifactStore', problems)
    return
  }
  const regions = Object.keys(perRegion ?? {})
  if (!regions.includes(context.region)) {
    problems.add('InvalidStructureException', `artifactStores has no artifact store for the pipeline's region ${context.region}`)
  }
  for (const region of regions) {
    const store = perRegion?.[region]
    if (store) checkArtifactStore(store, `artifactStores.${region}`, problems)
  }
}

function checkArtifactStore(store: ArtifactStore, label: string, problems: Problems): void {
  if (store.type !== 'S3') problems.add('ValidationException', `${label}.type '${String(store.type)}' is invalid: the only artifact store type is S3`)
  if (typeof store.location !== 'string' || !BUCKET_PATTERN.test(store.location)) {
    problems.add('ValidationException', `${label}.location '${String(store.location)}' is not a valid bucket name (3 to 63 characters from a-z, A-Z, 0-9, '-' and '.')`)
  }
  const key = store.encryptionKey
  if (key) {
    if (key.type !== 'KMS') problems.add('ValidationException', `${label}.encryptionKey.type '${String(key.type)}' is invalid: the only key type is KMS`)
    if (typeof key.id !== 'string' || key.id.length < 1 || key.id.length > 400) {
      problems.add('ValidationException', `${label}.encryptionKey.id must be 1 to 400 characters`)
    }
  }
}
