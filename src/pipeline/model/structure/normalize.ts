/**
 * Compiles a declaration that passed every rule into the engine's plan: defaults applied, actions
 * grouped by runOrder (ascending; declaration order inside a group), triggers and variables in their
 * normalized shapes, everything deep-frozen. Never called on an invalid declaration.
 */
import type {
  ActionDeclaration,
  ArtifactStore,
  Condition,
  GitBranchFilterCriteria,
  PipelineDeclaration,
  PipelineTriggerDeclaration,
  StageDeclaration,
} from '../../../protocol/models/codepipeline.types.ts'
import { effectivePipelineType } from './check-pipeline.ts'
import { DEFAULT_APPROVAL_TIMEOUT_MINUTES } from './providers.ts'
import { DEFAULT_RUN_ORDER } from './sites.ts'
import type {
  NormalizedAction,
  NormalizedActionGroup,
  NormalizedCondition,
  NormalizedFilterCriteria,
  NormalizedPipeline,
  NormalizedStage,
  NormalizedTrigger,
  ValidationContext,
} from './types.ts'

export function normalizePipeline(declaration: PipelineDeclaration, context: ValidationContext): NormalizedPipeline {
  const artifactStores: Record<string, ArtifactStore> = declaration.artifactStore
    ? { [context.region]: copyStore(declaration.artifactStore) }
    : Object.fromEntries(Object.entries(declaration.artifactStores ?? {}).map(([region, store]) => [region, copyStore(store)]))
  const pipeline: NormalizedPipeline = {
    name: declaration.name,
    roleArn: declaration.roleArn,
    version: context.existingVersion === undefined ? 1 : context.existingVersion + 1,
    pipelineType: effectivePipelineType(declaration),
    executionMode: declaration.executionMode ?? 'SUPERSEDED',
    artifactStores,
    stages: declaration.stages.map(normalizeStage),
    variables: (declaration.variables ?? []).map((v) => ({
      name: v.name,
      ...(v.defaultValue !== undefined && { defaultValue: v.defaultValue }),
      ...(v.description !== undefined && { description: v.description }),
    })),
    triggers: (declaration.triggers ?? []).map(normalizeTrigger),
  }
  return deepFreeze(pipeline)
}

function copyStore(store: ArtifactStore): ArtifactStore {
  return {
    type: store.type,
    location: store.location,
    ...(store.encryptionKey && { encryptionKey: { id: store.encryptionKey.id, type: store.encryptionKey.type } }),
  }
}

function normalizeStage(stage: StageDeclaration, index: number): NormalizedStage {
  const actions = stage.actions.map((a) => normalizeAction(a, stage.name))
  const orders = [...new Set(actions.map((a) => a.runOrder))].sort((a, b) => a - b)
  const groups: NormalizedActionGroup[] = orders.map((runOrder) => ({ runOrder, actions: actions.filter((a) => a.runOrder === runOrder) }))
  const { onFailure, onSuccess, beforeEntry } = stage
  return {
    name: stage.name,
    index,
    groups,
    ...(onFailure && {
      onFailure: {
        ...(onFailure.result !== undefined && { result: onFailure.result }),
        ...(onFailure.retryConfiguration?.retryMode !== undefined && { retryMode: onFailure.retryConfiguration.retryMode }),
        conditions: (onFailure.conditions ?? []).map(normalizeCondition),
      },
    }),
    ...(onSuccess && { onSuccess: { conditions: onSuccess.conditions.map(normalizeCondition) } }),
    ...(beforeEntry && { beforeEntry: { conditions: beforeEntry.conditions.map(normalizeCondition) } }),
  }
}

function normalizeAction(action: ActionDeclaration, stageName: string): NormalizedAction {
  const { category, owner, provider, version } = action.actionTypeId
  const isApproval = category === 'Approval' && owner === 'AWS' && provider === 'Manual'
  const timeout = action.timeoutInMinutes ?? (isApproval ? DEFAULT_APPROVAL_TIMEOUT_MINUTES : undefined)
  return {
    name: action.name,
    stageName,
    actionTypeId: { category, owner, provider, version },
    runOrder: action.runOrder ?? DEFAULT_RUN_ORDER,
    configuration: { ...(action.configuration ?? {}) },
    commands: [...(action.commands ?? [])],
    inputArtifacts: (action.inputArtifacts ?? []).map((a) => a.name),
    outputArtifacts: (action.outputArtifacts ?? []).map((a) => ({ name: a.name, files: [...(a.files ?? [])] })),
    outputVariables: [...(action.outputVariables ?? [])],
    environmentVariables: (action.environmentVariables ?? []).map((v) => ({ name: v.name, value: v.value, type: v.type ?? 'PLAINTEXT' })),
    ...(action.namespace !== undefined && { namespace: action.namespace }),
    ...(action.roleArn !== undefined && { roleArn: action.roleArn }),
    ...(action.region !== undefined && { region: action.region }),
    ...(timeout !== undefined && { timeoutInMinutes: timeout }),
  }
}

function normalizeCondition(condition: Condition): NormalizedCondition {
  return {
    ...(condition.result !== undefined && { result: condition.result }),
    rules: (condition.rules ?? []).map((rule) => ({
      name: rule.name,
      ruleTypeId: { ...rule.ruleTypeId },
      configuration: { ...(rule.configuration ?? {}) },
      commands: [...(rule.commands ?? [])],
      inputArtifacts: (rule.inputArtifacts ?? []).map((a) => a.name),
      ...(rule.roleArn !== undefined && { roleArn: rule.roleArn }),
      ...(rule.region !== undefined && { region: rule.region }),
      ...(rule.timeoutInMinutes !== undefined && { timeoutInMinutes: rule.timeoutInMinutes }),
    })),
  }
}

function criteria(c: GitBranchFilterCriteria | undefined): NormalizedFilterCriteria | undefined {
  return c && { includes: [...(c.includes ?? [])], excludes: [...(c.excludes ?? [])] }
}

function normalizeTrigger(trigger: PipelineTriggerDeclaration): NormalizedTrigger {
  const git = trigger.gitConfiguration
  return {
    providerType: 'CodeStarSourceConnection',
    sourceActionName: git.sourceActionName,
    push: (git.push ?? []).map((f) => {
      const branches = criteria(f.branches)
      const tags = criteria(f.tags)
      const filePaths = criteria(f.filePaths)
      return { ...(branches && { branches }), ...(tags && { tags }), ...(filePaths && { filePaths }) }
    }),
    pullRequest: (git.pullRequest ?? []).map((f) => {
      const branches = criteria(f.branches)
      const filePaths = criteria(f.filePaths)
      return { events: [...(f.events ?? [])], ...(branches && { branches }), ...(filePaths && { filePaths }) }
    }),
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
