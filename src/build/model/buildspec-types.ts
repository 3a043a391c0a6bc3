/**
 * The compiled form of a buildspec: what `parseBuildspec` returns and the executor runs.
 *
 * Every field is normalised (defaults applied, lists never undefined, booleans never yes/no
 * strings) and the whole plan is deep-frozen, so the executor never re-checks anything. Optional
 * fields (`?`) are optional only where "absent" has its own meaning, stated on the field.
 */

/** A finding positioned in the buildspec text. `line`/`column` are 1-based; `path` names the key (`phases.build.commands[0]`, `''` for the document). */
export type BuildspecProblem = {
  readonly message: string
  readonly line: number
  readonly column: number
  readonly path: string
}

/** `0.1` is legacy: every command runs in a fresh shell. `0.2`: one shell for the whole build. */
export type BuildspecVersion = '0.1' | '0.2'

/** The buildspec's phase keys, in run order. */
export const BUILDSPEC_PHASE_NAMES = ['install', 'pre_build', 'build', 'post_build'] as const
export type BuildspecPhaseName = (typeof BUILDSPEC_PHASE_NAMES)[number]

/** The build phase (`Build.phases[].phaseType`) each buildspec phase runs in. */
export type CommandPhaseType = 'INSTALL' | 'PRE_BUILD' | 'BUILD' | 'POST_BUILD'
export const PHASE_TYPE_OF: Readonly<Record<BuildspecPhaseName, CommandPhaseType>> = Object.freeze({
  install: 'INSTALL',
  pre_build: 'PRE_BUILD',
  build: 'BUILD',
  post_build: 'POST_BUILD',
})

export const ON_FAILURE_VALUES = ['ABORT', 'CONTINUE'] as const
/** A phase's `on-failure`. Absent means the default routing (see `nextPhase` in `phases.ts`). */
export type OnFailure = (typeof ON_FAILURE_VALUES)[number]

export const SHELLS = ['bash', '/bin/sh', 'powershell.exe', 'cmd.exe'] as const
export type BuildspecShell = (typeof SHELLS)[number]

/** One of the four command phases. The plan always holds all four, in order. */
export type PhasePlan = {
  readonly name: BuildspecPhaseName
  readonly phaseType: CommandPhaseType
  /** False when the buildspec has no such phase: it still appears in `Build.phases` and succeeds with nothing to run. */
  readonly declared: boolean
  /** Effective user: the phase's `run-as`, else the top-level one. Absent: the image's default user (root). */
  readonly runAs?: string
  /** Absent: default routing after a failure. */
  readonly onFailure?: OnFailure
  /** `install` only; advisory on a self-hosted runner. Values as written (`3.x`, `latest`, `$VAR`). */
  readonly runtimeVersions: readonly { readonly runtime: string; readonly version: string }[]
  readonly commands: readonly string[]
  readonly finally: readonly string[]
}

export type PlainVariable = { readonly name: string; readonly value: string }
export type ParameterStoreVariable = { readonly name: string; readonly parameterName: string }
/** `secret-id[:json-key[:version-stage[:version-id]]]`; an ARN secret id keeps its colons. */
export type SecretsManagerVariable = {
  readonly name: string
  /** The reference exactly as written. */
  readonly reference: string
  readonly secretId: string
  /** Absent: the whole secret string. */
  readonly jsonKey?: string
  /** Absent (and no `versionId`): `AWSCURRENT`. */
  readonly versionStage?: string
  readonly versionId?: string
}

export type EnvPlan = {
  /** Absent: the image's default shell (`/bin/sh` on Linux). */
  readonly shell?: BuildspecShell
  /** Values are literal text, never expanded (`"$PATH:/x"` stays as written). */
  readonly variables: readonly PlainVariable[]
  readonly parameterStore: readonly ParameterStoreVariable[]
  readonly secretsManager: readonly SecretsManagerVariable[]
  readonly exportedVariables: readonly string[]
  readonly gitCredentialHelper: boolean
}

export type ProxyPlan = { readonly uploadArtifacts: boolean; readonly logs: boolean }

export const TEST_REPORT_FORMATS = ['JUNITXML', 'CUCUMBERJSON', 'NUNITXML', 'NUNIT3XML', 'TESTNGXML', 'VISUALSTUDIOTRX'] as const
export const COVERAGE_REPORT_FORMATS = ['CLOVERXML', 'COBERTURAXML', 'JACOCOXML', 'SIMPLECOV'] as const
export type ReportFileFormat = (typeof TEST_REPORT_FORMATS)[number] | (typeof COVERAGE_REPORT_FORMATS)[number]

export type ReportGroupPlan = {
  /** The key as written: a report group name (the group is `<project>-<name>`) or an ARN. */
  readonly name: string
  readonly isArn: boolean
  readonly files: readonly string[]
  readonly baseDirectory?: string
  readonly discardPaths: boolean
  /** Upper-cased; default `JUNITXML`. */
  readonly fileFormat: ReportFileFormat
  /** Derived from the format: coverage formats make `CODE_COVERAGE` reports. */
  readonly reportType: 'TEST' | 'CODE_COVERAGE'
}

/** One artifact's selection and naming, as written (globs are matched by `artifact-selection.ts`). */
export type ArtifactSpec = {
  readonly files: readonly string[]
  /** May hold `$VARS` and `$(cmd)`: shell-evaluated by the executor. Absent: the project's name. */
  readonly name?: string
  readonly discardPaths: boolean
  /** A directory, or a glob over directory names. Absent: the source root. */
  readonly baseDirectory?: string
  readonly excludePaths: readonly string[]
  readonly enableSymlinks: boolean
  readonly s3Prefix?: string
}

export type SecondaryArtifactPlan = ArtifactSpec & { readonly identifier: string }
export type ArtifactsPlan = ArtifactSpec & { readonly secondaryArtifacts: readonly SecondaryArtifactPlan[] }

export type CachePlan = {
  readonly paths: readonly string[]
  readonly key?: string
  readonly fallbackKeys: readonly string[]
  /** From `action`: `restore` → only restore, `save` → only save, absent → both. */
  readonly restore: boolean
  readonly save: boolean
}

/** The compiled buildspec. */
export type BuildPlan = {
  readonly version: BuildspecVersion
  /** Top-level `run-as` (already folded into each phase's `runAs`). */
  readonly runAs?: string
  readonly env: EnvPlan
  readonly proxy: ProxyPlan
  /** Always the four command phases in run order, declared or not. */
  readonly phases: readonly PhasePlan[]
  readonly reports: readonly ReportGroupPlan[]
  /** Absent: the buildspec has no `artifacts` section. */
  readonly artifacts?: ArtifactsPlan
  /** Absent: the buildspec has no `cache` section. */
  readonly cache?: CachePlan
}

export type ParseBuildspecResult = {
  /** Present exactly when `errors` is empty. */
  readonly plan?: BuildPlan
  readonly errors: readonly BuildspecProblem[]
  readonly warnings: readonly BuildspecProblem[]
}
