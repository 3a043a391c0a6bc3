import type { ActionCategory, ActionType, CreateCustomActionTypeInput, PipelineDeclaration, Tag } from '../../protocol/models/codepipeline.types.ts'
import { AwsError } from '../../shared/errors.ts'
import { BUILT_IN_PROVIDERS, structureErrorToThrow, validatePipeline } from '../model/structure/validate-pipeline.ts'
import type { ProviderSpec } from '../model/structure/types.ts'
import type { CustomActionTypeRecord, PipelineRecord } from '../records.ts'
import { type PipelineContext, pipelineArn } from './context.ts'
import type { PipelineEngine } from './engine.ts'
import { CONFIGURATION_CHANGE } from './engine-events.ts'

/** Providers Slipway runs today. */
export const IMPLEMENTED = new Set(['Source/AWS/CodeCommit/1', 'Source/AWS/S3/1', 'Build/AWS/CodeBuild/1', 'Test/AWS/CodeBuild/1', 'Approval/AWS/Manual/1', 'Compute/AWS/Commands/1', 'Deploy/AWS/S3/1', 'Deploy/AWS/CodeDeploy/1', 'Source/AWS/ECR/1', 'Build/AWS/ECRBuildAndPublish/1'])

export function customSpec(t: CustomActionTypeRecord): ProviderSpec {
  const d = t.definition as { configurationProperties?: { name: string; required: boolean }[]; inputArtifactDetails?: { minimumCount: number; maximumCount: number }; outputArtifactDetails?: { minimumCount: number; maximumCount: number } }
  const props = d.configurationProperties ?? []
  return {
    category: t.category as ActionCategory,
    owner: 'Custom',
    provider: t.provider,
    version: t.version,
    requiredConfiguration: props.filter((p) => p.required).map((p) => p.name),
    optionalConfiguration: props.filter((p) => !p.required).map((p) => p.name),
    inputArtifacts: [d.inputArtifactDetails?.minimumCount ?? 0, d.inputArtifactDetails?.maximumCount ?? 5],
    outputArtifacts: [d.outputArtifactDetails?.minimumCount ?? 0, d.outputArtifactDetails?.maximumCount ?? 5],
    outputVariables: 'dynamic',
  }
}

async function knownProviders(ctx: PipelineContext): Promise<ProviderSpec[]> {
  const builtIn = BUILT_IN_PROVIDERS.filter((p) => IMPLEMENTED.has(`${p.category}/${p.owner}/${p.provider}/${p.version}`))
  return [...builtIn, ...(await ctx.store.pipelines.customActionTypes()).map(customSpec)]
}

async function compile(ctx: PipelineContext, declaration: PipelineDeclaration, existingVersion?: number) {
  const result = validatePipeline(declaration, { region: ctx.region, knownProviders: await knownProviders(ctx), existingVersion })
  const error = structureErrorToThrow(result.errors)
  if (error || !result.normalized) throw new AwsError(error?.code ?? 'InvalidStructureException', error?.message ?? 'The pipeline structure is not valid')
  return result.normalized
}

/** The declaration as GetPipeline returns it: the stored structure with its version. */
const stored = (declaration: PipelineDeclaration, version: number): PipelineDeclaration => ({ ...declaration, version })

export async function createPipeline(ctx: PipelineContext, engine: PipelineEngine, declaration: PipelineDeclaration, tags: Tag[] = []): Promise<PipelineRecord> {
  if (await ctx.store.pipelines.get(declaration.name)) throw new AwsError('PipelineNameInUseException', `A pipeline with the name '${declaration.name}' already exists in account '${ctx.accountId}'`)
  const normalized = await compile(ctx, declaration)
  const now = ctx.clock.now()
  const record: PipelineRecord = { name: declaration.name, version: 1, declaration: stored(declaration, 1), normalized, tags, transitions: {}, createdAt: now, updatedAt: now }
  try {
    await ctx.store.pipelines.insert(record)
  } catch (err) {
    if (/UNIQUE constraint/.test((err as Error).message)) throw new AwsError('PipelineNameInUseException', `A pipeline with the name '${declaration.name}' already exists in account '${ctx.accountId}'`)
    throw err
  }
  // A new pipeline runs once right away, as on AWS.
  await engine.start(record.name, { trigger: { triggerType: 'CreatePipeline', triggerDetail: `arn:aws:iam::${ctx.accountId}:root` } })
  return record
}

export async function updatePipeline(ctx: PipelineContext, engine: PipelineEngine, declaration: PipelineDeclaration): Promise<PipelineRecord> {
  const current = await engine.pipeline(declaration.name)
  if (declaration.version !== undefined && declaration.version !== current.version) {
    throw new AwsError('InvalidStructureException', `The pipeline version ${declaration.version} is not the current version ${current.version}; get the pipeline again before updating it`)
  }
  const version = current.version + 1
  const normalized = await compile(ctx, declaration, current.version)
  await engine.cancelActive(current.name)
  return saveConfiguration(ctx, current.name, (now) => {
    if (now.version !== current.version) throw new AwsError('ConcurrentModificationException', `Pipeline ${current.name} was updated to version ${now.version} while this update was made; get the pipeline again before updating it`)
    return { ...now, version, declaration: stored(declaration, version), normalized, updatedAt: ctx.clock.now() }
  }, { change: 'Updated' })
}

export async function deletePipeline(ctx: PipelineContext, engine: PipelineEngine, name: string): Promise<void> {
  if (!(await ctx.store.pipelines.get(name))) return
  await engine.cancelActive(name)
  await ctx.store.pipelines.delete(name)
}

export async function setTransition(ctx: PipelineContext, engine: PipelineEngine, name: string, stageName: string, enabled: boolean, reason?: string): Promise<void> {
  await saveConfiguration(ctx, name, (p) => {
    if (!p.normalized.stages.some((s) => s.name === stageName)) throw new AwsError('StageNotFoundException', `Stage ${stageName} does not exist in pipeline ${name}`)
    return { ...p, transitions: { ...p.transitions, [stageName]: enabled ? { enabled: true } : { enabled: false, reason } } }
  }, { change: enabled ? 'TransitionEnabled' : 'TransitionDisabled', stage: stageName })
  await engine.reconcileNow(name)
}

/**
 * Changes a pipeline's definition or transitions: reads it under the pipeline's lock, applies
 * `change`, and saves it with its event in one transaction (so open consoles refresh).
 */
async function saveConfiguration(ctx: PipelineContext, name: string, change: (current: PipelineRecord) => PipelineRecord, detail: Record<string, unknown>): Promise<PipelineRecord> {
  const record = await ctx.store.transaction(async (tx) => {
    const current = await tx.pipelines.get(name)
    if (!current) throw new AwsError('PipelineNotFoundException', `Account '${ctx.accountId}' does not have a pipeline with name '${name}'`)
    const record = change(current)
    await tx.pipelines.update(record)
    await tx.events.append({ type: CONFIGURATION_CHANGE, source: 'slipway.codepipeline', resource: pipelineArn(ctx, record.name), detail: { pipeline: record.name, version: record.version, ...detail }, at: ctx.clock.now() })
    return record
  }, { lock: `pipeline:${name}` })
  await ctx.bus.flush()
  return record
}

export async function createCustomActionType(ctx: PipelineContext, input: CreateCustomActionTypeInput): Promise<ActionType> {
  const record: CustomActionTypeRecord = { category: input.category, provider: input.provider, version: input.version, definition: { ...input }, createdAt: ctx.clock.now() }
  if (!(await ctx.store.pipelines.putCustomActionType(record))) {
    throw new AwsError('InvalidActionDeclarationException', `A custom action type ${input.category}/${input.provider}/${input.version} already exists`)
  }
  return actionTypeView(record)
}

export function actionTypeView(t: CustomActionTypeRecord): ActionType {
  const d = t.definition as Partial<CreateCustomActionTypeInput>
  return {
    id: { category: t.category as ActionCategory, owner: 'Custom', provider: t.provider, version: t.version },
    settings: d.settings,
    actionConfigurationProperties: d.configurationProperties,
    inputArtifactDetails: d.inputArtifactDetails ?? { minimumCount: 0, maximumCount: 5 },
    outputArtifactDetails: d.outputArtifactDetails ?? { minimumCount: 0, maximumCount: 5 },
  }
}
