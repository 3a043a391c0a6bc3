import type { BuildContext } from '../../build/service/context.ts'
import { queueBuild, settingsFor } from '../../build/service/builds.ts'
import { logDeepLink } from '../../build/api/views.ts'
import type { BuildRecord, ProjectRecord } from '../../build/records.ts'
import type { EnvironmentVariable } from '../../protocol/models/codebuild.types.ts'
import type { ActionOutcome } from '../model/execution-commands.ts'
import type { ActionJob, ActionProvider, ActionReporter } from './provider.ts'

/** A finished build as the action's outcome: exported variables become output variables. */
export function buildOutcome(ctx: BuildContext, b: BuildRecord): ActionOutcome | undefined {
  if (b.status === 'IN_PROGRESS') return undefined
  const failedPhase = b.phases.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED')
  return {
    status: b.status === 'SUCCEEDED' ? 'Succeeded' : 'Failed',
    externalExecutionId: b.id,
    externalExecutionUrl: logDeepLink(ctx, b.id),
    summary: b.status === 'SUCCEEDED' ? 'Build succeeded' : `Build ${b.status}${failedPhase ? ` in ${failedPhase.phaseType}: ${failedPhase.contexts?.[0]?.message ?? ''}` : ''}`,
    errorDetails: b.status === 'SUCCEEDED' ? undefined : { code: 'JobFailed', message: `Build terminated with state: ${b.status}` },
    outputVariables: Object.fromEntries(b.exportedVariables.map((v) => [v.name, v.value])),
  }
}

/** The outcome of the build an action run started, once it has ended (a missed event's safety net). */
export async function checkActionBuild(ctx: BuildContext, job: ActionJob): Promise<ActionOutcome | undefined> {
  const id = job.run.externalExecutionId
  const build = id ? await ctx.store.builds.get(id) : undefined
  return build ? buildOutcome(ctx, build) : undefined
}

/** Records the build on the action and returns its outcome if it already ended. */
export async function reportBuild(ctx: BuildContext, build: BuildRecord, report: ActionReporter): Promise<ActionOutcome | undefined> {
  await report.noteExternal({ externalExecutionId: build.id, externalExecutionUrl: logDeepLink(ctx, build.id) })
  return buildOutcome(ctx, build)
}

/** Starts (once per action run: the run id is the idempotency token) a build for a pipeline action. */
export async function startPipelineBuild(ctx: BuildContext, project: ProjectRecord, job: ActionJob, overrides: { environmentVariables?: EnvironmentVariable[]; buildspec?: string; image?: string; privileged?: boolean }): Promise<BuildRecord> {
  const existing = await ctx.store.builds.byIdempotencyToken(project.name, job.run.actionExecutionId)
  if (existing) return existing
  const primaryRevision = job.execution.sourceRevisions[0]?.revisionId
  const settings = settingsFor(project, {
    sourceTypeOverride: 'CODEPIPELINE',
    artifactsOverride: { type: 'CODEPIPELINE' },
    environmentVariablesOverride: overrides.environmentVariables,
    buildspecOverride: overrides.buildspec,
    imageOverride: overrides.image,
    ...(overrides.privileged !== undefined ? { privilegedModeOverride: overrides.privileged } : {}),
    sourceVersion: primaryRevision,
  }, {
    pipelineName: job.pipeline.name,
    inputs: job.run.inputArtifacts,
    primarySource: job.run.resolvedConfiguration.PrimarySource,
    outputs: job.run.outputArtifacts,
    executionId: job.execution.id,
    stageName: job.stageName,
    actionName: job.action.name,
    actionExecutionId: job.run.actionExecutionId,
  })
  return queueBuild(ctx, project, settings, `codepipeline/${job.pipeline.name}`, job.run.actionExecutionId)
}

/** Build or Test / CodeBuild: runs the project's build on the action's input artifacts. */
export function codeBuildAction(ctx: BuildContext): ActionProvider {
  return {
    matches: (a) => (a.category === 'Build' || a.category === 'Test') && a.owner === 'AWS' && a.provider === 'CodeBuild',
    async run(job, report) {
      const name = job.run.resolvedConfiguration.ProjectName ?? ''
      const project = await ctx.store.projects.get(name)
      if (!project) return { status: 'Failed', errorDetails: { code: 'ConfigurationError', message: `The CodeBuild project ${name} does not exist` }, summary: 'Project not found' }
      let environmentVariables: EnvironmentVariable[] = []
      const raw = job.run.resolvedConfiguration.EnvironmentVariables
      if (raw) {
        try {
          environmentVariables = JSON.parse(raw) as EnvironmentVariable[]
          if (!Array.isArray(environmentVariables)) throw new Error('not an array')
        } catch (err) {
          return { status: 'Failed', errorDetails: { code: 'ConfigurationError', message: `EnvironmentVariables is not a JSON array: ${(err as Error).message}` }, summary: 'Bad EnvironmentVariables' }
        }
      }
      return reportBuild(ctx, await startPipelineBuild(ctx, project, job, { environmentVariables }), report)
    },
    check: (job) => checkActionBuild(ctx, job),
  }
}
