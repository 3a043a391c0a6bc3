import { randomUUID } from 'node:crypto'
import type { StartBuildInput } from '../../protocol/models/codebuild.types.ts'
import type { BuildRecord, BuildSettings, PipelineBuildContext, ProjectRecord } from '../records.ts'
import { CodeBuildErrors as E } from '../errors.ts'
import { type BuildContext, buildArn } from './context.ts'
import { requireProject } from './projects.ts'
import { requirementsOf } from '../model/runner-match.ts'
import { checkFleetOf } from './fleets.ts'
import { bareBuildId } from '../model/build-ids.ts'

/** The signal sent when a build is queued (by any server), so every runner looks for work. */
export const BUILD_QUEUED_SIGNAL = 'build-queued'
/** The signal sent when a running build is asked to stop (payload: the build id). */
export const BUILD_STOP_SIGNAL = 'build-stop'

export const BUILD_STATE_CHANGE = 'codebuild.BuildStateChange'
/** A build entered a phase (AWS's "CodeBuild Build Phase Change"; Slipway sends one as each phase starts). */
export const BUILD_PHASE_CHANGE = 'codebuild.BuildPhaseChange'

/** The outbox entry for a build's status as it now is (CodeBuild's "Build State Change"). */
export function buildStateChanged(ctx: Pick<BuildContext, 'region' | 'accountId'>, build: Pick<BuildRecord, 'id' | 'projectName' | 'status'>, at: Date) {
  return { type: BUILD_STATE_CHANGE, source: 'aws.codebuild', resource: buildArn(ctx, build.id), detail: { 'build-id': build.id, 'project-name': build.projectName, 'build-status': build.status }, at }
}

/** The project's settings with StartBuild's per-build overrides applied. */
export function settingsFor(project: ProjectRecord, input: Partial<StartBuildInput>, pipeline?: PipelineBuildContext): BuildSettings {
  const source = {
    ...project.source,
    ...(input.sourceTypeOverride ? { type: input.sourceTypeOverride } : {}),
    ...(input.sourceLocationOverride ? { location: input.sourceLocationOverride } : {}),
    ...(input.gitCloneDepthOverride !== undefined ? { gitCloneDepth: input.gitCloneDepthOverride } : {}),
    ...(input.buildspecOverride ? { buildspec: input.buildspecOverride } : {}),
  }
  return {
    source,
    secondarySources: input.secondarySourcesOverride ?? project.secondarySources,
    sourceVersion: input.sourceVersion ?? project.sourceVersion,
    secondarySourceVersions: input.secondarySourcesVersionOverride ?? project.secondarySourceVersions,
    artifacts: input.artifactsOverride ?? project.artifacts,
    secondaryArtifacts: input.secondaryArtifactsOverride ?? project.secondaryArtifacts,
    cache: input.cacheOverride ?? project.cache,
    environment: {
      ...project.environment,
      ...(input.imageOverride ? { image: input.imageOverride } : {}),
      ...(input.environmentTypeOverride ? { type: input.environmentTypeOverride } : {}),
      ...(input.computeTypeOverride ? { computeType: input.computeTypeOverride } : {}),
      ...(input.privilegedModeOverride !== undefined ? { privilegedMode: input.privilegedModeOverride } : {}),
      ...(input.fleetOverride ? { fleet: input.fleetOverride } : {}),
    },
    environmentVariablesOverride: input.environmentVariablesOverride ?? [],
    buildspecOverride: input.buildspecOverride,
    serviceRole: input.serviceRoleOverride ?? project.serviceRole,
    timeoutInMinutes: input.timeoutInMinutesOverride ?? project.timeoutInMinutes,
    queuedTimeoutInMinutes: input.queuedTimeoutInMinutesOverride ?? project.queuedTimeoutInMinutes,
    encryptionKey: input.encryptionKeyOverride ?? project.encryptionKey,
    pipeline,
  }
}

/** Queues a new build (SUBMITTED done, QUEUED in progress) and its job, in one transaction. */
export async function startBuild(ctx: BuildContext, input: StartBuildInput, initiator: string, pipeline?: PipelineBuildContext): Promise<BuildRecord> {
  const project = await requireProject(ctx, input.projectName)
  if (input.idempotencyToken) {
    const existing = await ctx.store.builds.byIdempotencyToken(project.name, input.idempotencyToken)
    if (existing) return existing
  }
  const settings = settingsFor(project, input, pipeline)
  if (input.fleetOverride) await checkFleetOf(ctx, { fleet: input.fleetOverride })
  if (settings.source.type === 'NO_SOURCE' && !settings.source.buildspec) throw E.invalidInput('Build source buildspec cannot be empty when source type is NO_SOURCE')
  if (settings.source.type === 'CODEPIPELINE' && !pipeline) throw E.invalidInput('Builds of projects with source type CODEPIPELINE can only be started by a pipeline')
  const version = input.sourceVersion?.replace(/^refs\/(heads|tags)\//, '')
  if (version?.startsWith('-')) throw E.invalidInput(`Invalid source version ${input.sourceVersion}: a branch, tag or commit id never starts with '-'`)
  return queueBuild(ctx, project, settings, initiator, input.idempotencyToken)
}

export async function queueBuild(ctx: BuildContext, project: ProjectRecord, settings: BuildSettings, initiator: string, idempotencyToken?: string): Promise<BuildRecord> {
  const now = ctx.clock.now()
  const uuid = randomUUID()
  const created = await ctx.store.transaction(async (tx) => {
    const existing = idempotencyToken ? await tx.builds.byIdempotencyToken(project.name, idempotencyToken) : undefined
    if (existing) return { record: existing, isNew: false }
    const record: BuildRecord = {
      id: `${project.name}:${uuid}`,
      projectName: project.name,
      buildNumber: await tx.projects.nextBuildNumber(project.name),
      status: 'IN_PROGRESS',
      currentPhase: 'QUEUED',
      startTime: now,
      initiator,
      settings,
      concurrentBuildLimit: project.concurrentBuildLimit,
      phases: [
        { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now },
        { phaseType: 'QUEUED', startTime: now },
      ],
      exportedVariables: [],
      secondaryArtifacts: [],
      stopRequested: false,
      idempotencyToken,
      logFile: `logs/builds/${project.name}/${uuid}.log`,
    }
    await tx.builds.insert(record)
    await tx.jobs.enqueue({ id: `build:${record.id}`, kind: 'build', subjectId: record.id, payload: { requires: requirementsOf(settings.environment) }, at: now })
    await tx.events.append(buildStateChanged(ctx, record, now))
    return { record, isNew: true }
  }, idempotencyToken ? { lock: `build-token:${project.name}:${idempotencyToken}` } : undefined)
  if (!created.isNew) return created.record
  await ctx.bus.flush()
  ctx.wake()
  return created.record
}

export async function requireBuild(ctx: BuildContext, id: string): Promise<BuildRecord> {
  const bare = bareBuildId(id)
  if (!bare) throw E.invalidInput(`Invalid build ID provided: ${id}`)
  const build = await ctx.store.builds.get(bare)
  if (!build) throw E.buildNotFound(id)
  return build
}

/**
 * Asks a build to stop. A queued build ends STOPPED at once; a running one is stopped by its runner
 * within moments. Returns the build as it is now (possibly still IN_PROGRESS, as AWS does).
 */
export async function stopBuild(ctx: BuildContext, id: string): Promise<BuildRecord> {
  const build = await requireBuild(ctx, id)
  if (build.status !== 'IN_PROGRESS') return build
  if (await ctx.store.builds.requestStop(id)) ctx.store.signals.send(BUILD_STOP_SIGNAL, id)
  const now = ctx.clock.now()
  const stoppedWhileQueued = await ctx.store.transaction(async (tx) => {
    const queued = await tx.builds.get(id)
    if (!queued || queued.currentPhase !== 'QUEUED') return false
    if (!(await tx.jobs.cancelQueued(`build:${id}`, now))) return false
    const stopped: BuildRecord = {
      ...queued,
      status: 'STOPPED',
      currentPhase: 'COMPLETED',
      endTime: now,
      phases: [...queued.phases.map((p) => (p.phaseType === 'QUEUED' ? { ...p, phaseStatus: 'STOPPED' as const, endTime: now } : p)), { phaseType: 'COMPLETED', startTime: now }],
    }
    await tx.builds.save(stopped, 'IN_PROGRESS')
    await tx.events.append(buildStateChanged(ctx, stopped, now))
    return true
  })
  if (stoppedWhileQueued) await ctx.bus.flush()
  ctx.wake()
  return requireBuild(ctx, id)
}

/** A new build with the same settings (new id and number), as RetryBuild does. */
export async function retryBuild(ctx: BuildContext, id: string, idempotencyToken?: string): Promise<BuildRecord> {
  const original = await requireBuild(ctx, id)
  if (original.status === 'IN_PROGRESS') throw E.invalidInput(`Build ${id} is still in progress and cannot be retried`)
  const project = await requireProject(ctx, original.projectName)
  return queueBuild(ctx, project, original.settings, original.initiator, idempotencyToken)
}

export async function batchDeleteBuilds(ctx: BuildContext, ids: string[]) {
  const buildsDeleted: string[] = []
  const buildsNotDeleted: { id: string; statusCode: string }[] = []
  for (const id of ids) if (!bareBuildId(id)) throw E.invalidInput(`Invalid build ID provided: ${id}`)
  for (const id of ids) {
    const build = await ctx.store.builds.get(bareBuildId(id)!)
    if (!build) buildsNotDeleted.push({ id, statusCode: 'BUILD_NOT_FOUND' })
    else if (build.status === 'IN_PROGRESS') buildsNotDeleted.push({ id, statusCode: 'BUILD_IN_PROGRESS' })
    else if (await ctx.store.builds.delete(build.id)) buildsDeleted.push(id)
  }
  return { buildsDeleted, buildsNotDeleted }
}
