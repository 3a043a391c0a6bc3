/**
 * Types of the pipeline structure compiler: what `validatePipeline` reports (`StructureError`),
 * what it is told about action types (`ProviderSpec`), and the immutable plan it compiles a valid
 * declaration into (`NormalizedPipeline`). Pure data; no behaviour lives here.
 */
import type {
  ActionCategory,
  ActionOwner,
  ActionTypeId,
  ArtifactStore,
  ExecutionMode,
  GitPullRequestEventType,
  PipelineType,
  Result,
  RuleTypeId,
  StageRetryMode,
} from '../../../protocol/models/codepipeline.types.ts'

/** The AWS exception names a structure problem is reported under (all HTTP 400). */
export type StructureErrorCode =
  | 'InvalidStructureException'
  | 'InvalidActionDeclarationException'
  | 'InvalidStageDeclarationException'
  | 'InvalidBlockerDeclarationException'
  | 'ValidationException'

/** One problem in a declaration; `message` names the stage/action/field it is about. */
export type StructureError = { code: StructureErrorCode; message: string }

/** `[minimum, maximum]`, both inclusive. */
export type CountRange = readonly [number, number]

/**
 * What Slipway knows about one action type: the configuration keys it accepts, how many artifacts it
 * takes and produces, and which output variables it publishes. `outputVariables` is a fixed key list
 * (references to other keys are errors), `'dynamic'` (any key: CodeBuild exported variables, Commands
 * output variables), or absent (the action publishes none, so no reference into its namespace is valid).
 */
export type ProviderSpec = {
  category: ActionCategory
  owner: ActionOwner
  provider: string
  version: string
  requiredConfiguration: readonly string[]
  optionalConfiguration: readonly string[]
  inputArtifacts: CountRange
  outputArtifacts: CountRange
  outputVariables?: readonly string[] | 'dynamic'
  /** Present for Commands-style actions: the action must carry this many `commands`; absent: `commands` is refused. */
  commands?: CountRange
  /** The action may declare `outputVariables` (names it exports) and `environmentVariables` (Commands). */
  acceptsDeclaredVariables?: boolean
  /** The action may set `timeoutInMinutes`, within this range (Manual approval: 5..86400). */
  timeoutInMinutes?: CountRange
}

export type NormalizedOutputArtifact = { readonly name: string; readonly files: readonly string[] }

export type NormalizedEnvironmentVariable = {
  readonly name: string
  readonly value: string
  readonly type: 'PLAINTEXT' | 'SECRETS_MANAGER'
}

/** An action with every default applied. */
export type NormalizedAction = {
  readonly name: string
  readonly stageName: string
  readonly actionTypeId: Readonly<ActionTypeId>
  readonly runOrder: number
  readonly configuration: Readonly<Record<string, string>>
  readonly commands: readonly string[]
  readonly inputArtifacts: readonly string[]
  readonly outputArtifacts: readonly NormalizedOutputArtifact[]
  /** Names a Commands action exports (the action-level `outputVariables` field). */
  readonly outputVariables: readonly string[]
  readonly environmentVariables: readonly NormalizedEnvironmentVariable[]
  readonly namespace?: string
  readonly roleArn?: string
  readonly region?: string
  /** Manual approval only: 10080 (7 days) unless declared. */
  readonly timeoutInMinutes?: number
}

/** Actions sharing a runOrder run in parallel; groups run in ascending runOrder. */
export type NormalizedActionGroup = { readonly runOrder: number; readonly actions: readonly NormalizedAction[] }

export type NormalizedRule = {
  readonly name: string
  readonly ruleTypeId: Readonly<RuleTypeId>
  readonly configuration: Readonly<Record<string, string>>
  readonly commands: readonly string[]
  readonly inputArtifacts: readonly string[]
  readonly roleArn?: string
  readonly region?: string
  readonly timeoutInMinutes?: number
}

export type NormalizedCondition = { readonly result?: Result; readonly rules: readonly NormalizedRule[] }

export type NormalizedStage = {
  readonly name: string
  readonly index: number
  readonly groups: readonly NormalizedActionGroup[]
  readonly onFailure?: {
    readonly result?: Result
    readonly retryMode?: StageRetryMode
    readonly conditions: readonly NormalizedCondition[]
  }
  readonly onSuccess?: { readonly conditions: readonly NormalizedCondition[] }
  readonly beforeEntry?: { readonly conditions: readonly NormalizedCondition[] }
}

export type NormalizedPipelineVariable = { readonly name: string; readonly defaultValue?: string; readonly description?: string }

export type NormalizedFilterCriteria = { readonly includes: readonly string[]; readonly excludes: readonly string[] }

/** One push filter; valid combinations are tags, branches, or branches + filePaths. */
export type NormalizedPushFilter = {
  readonly branches?: NormalizedFilterCriteria
  readonly tags?: NormalizedFilterCriteria
  readonly filePaths?: NormalizedFilterCriteria
}

export type NormalizedPullRequestFilter = {
  readonly events: readonly GitPullRequestEventType[]
  readonly branches?: NormalizedFilterCriteria
  readonly filePaths?: NormalizedFilterCriteria
}

/**
 * A trigger: `push` empty means "no filter" (the source action's own BranchName decides, as without
 * a trigger); otherwise the push filters decide which branches and tags start the pipeline.
 */
export type NormalizedTrigger = {
  readonly providerType: 'CodeStarSourceConnection'
  readonly sourceActionName: string
  readonly push: readonly NormalizedPushFilter[]
  readonly pullRequest: readonly NormalizedPullRequestFilter[]
}

/** The compiled, deep-frozen form of a valid declaration that the engine runs. */
export type NormalizedPipeline = {
  readonly name: string
  readonly roleArn: string
  /** The version this structure is stored as: 1 on create, existing + 1 on update. */
  readonly version: number
  readonly pipelineType: PipelineType
  readonly executionMode: ExecutionMode
  /** Artifact stores by region; a single `artifactStore` is keyed by the pipeline's region. */
  readonly artifactStores: Readonly<Record<string, Readonly<ArtifactStore>>>
  readonly stages: readonly NormalizedStage[]
  readonly variables: readonly NormalizedPipelineVariable[]
  readonly triggers: readonly NormalizedTrigger[]
}

/** What the validator is told about the world. */
export type ValidationContext = {
  /** The region the service runs in (Slipway is single-region). */
  region: string
  /** Every action type that may be used: `BUILT_IN_PROVIDERS` plus the account's custom action types. */
  knownProviders: readonly ProviderSpec[]
  /** The stored version when validating an `UpdatePipeline`; absent on create. */
  existingVersion?: number
}

export type ValidationResult = { errors: StructureError[]; normalized?: NormalizedPipeline }
