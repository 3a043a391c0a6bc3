import type { CreateProjectInput, UpdateProjectInput } from '../../protocol/models/codebuild.types.ts'
import type { ProjectRecord } from '../records.ts'
import { CodeBuildErrors as E } from '../errors.ts'
import { type BuildContext, projectArn } from './context.ts'
import { checkFleetOf } from './fleets.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,254}$/

/** Settings checks CodeBuild makes beyond the model's constraints. */
function checkSettings(p: Pick<ProjectRecord, 'source' | 'artifacts' | 'secondaryArtifacts' | 'environment'>): void {
  if (p.source.type === 'NO_SOURCE' && !p.source.buildspec) throw E.invalidInput('Project source buildspec cannot be empty when source type is NO_SOURCE')
  if (p.source.type === 'CODECOMMIT' && !p.source.location) throw E.invalidInput('Project source location is required for source type CODECOMMIT')
  if (p.source.type === 'S3' && !p.source.location) throw E.invalidInput('Project source location is required for source type S3')
  if (p.artifacts.type === 'S3' && !p.artifacts.location) throw E.invalidInput('Project artifacts location is required for artifact type S3')
  if (p.artifacts.type === 'CODEPIPELINE' && p.source.type !== 'CODEPIPELINE') throw E.invalidInput('Project artifacts type CODEPIPELINE requires source type CODEPIPELINE')
  for (const a of p.secondaryArtifacts) if (!a.artifactIdentifier) throw E.invalidInput('Secondary artifacts must have an artifactIdentifier')
  if (!p.environment.image) throw E.invalidInput('Project environment image is required')
}

export async function createProject(ctx: BuildContext, input: CreateProjectInput): Promise<ProjectRecord> {
  if (!NAME.test(input.name)) throw E.invalidInput(`Invalid project name: ${input.name}. Names are 2-255 characters: letters, digits, - and _, starting with a letter or digit`)
  const now = ctx.clock.now()
  const project: ProjectRecord = {
    name: input.name,
    description: input.description,
    source: input.source,
    secondarySources: input.secondarySources ?? [],
    sourceVersion: input.sourceVersion,
    secondarySourceVersions: input.secondarySourceVersions ?? [],
    artifacts: input.artifacts,
    secondaryArtifacts: input.secondaryArtifacts ?? [],
    cache: input.cache ?? { type: 'NO_CACHE' },
    environment: input.environment,
    serviceRole: input.serviceRole,
    timeoutInMinutes: input.timeoutInMinutes ?? 60,
    queuedTimeoutInMinutes: input.queuedTimeoutInMinutes ?? 480,
    encryptionKey: input.encryptionKey,
    tags: input.tags ?? [],
    logsConfig: input.logsConfig,
    concurrentBuildLimit: input.concurrentBuildLimit,
    createdAt: now,
    lastModifiedAt: now,
  }
  checkSettings(project)
  await checkFleetOf(ctx, project.environment)
  if (await ctx.store.projects.get(input.name)) throw E.projectExists(projectArn(ctx, input.name))
  try {
    await ctx.store.projects.insert(project)
  } catch (err) {
    if (/UNIQUE constraint/.test((err as Error).message)) throw E.projectExists(projectArn(ctx, input.name))
    throw err
  }
  return project
}

export async function updateProject(ctx: BuildContext, input: UpdateProjectInput): Promise<ProjectRecord> {
  const current = await ctx.store.projects.get(input.name)
  if (!current) throw E.projectNotFound(projectArn(ctx, input.name))
  const next: ProjectRecord = {
    ...current,
    description: input.description ?? current.description,
    source: input.source ?? current.source,
    secondarySources: input.secondarySources ?? current.secondarySources,
    sourceVersion: input.sourceVersion ?? current.sourceVersion,
    secondarySourceVersions: input.secondarySourceVersions ?? current.secondarySourceVersions,
    artifacts: input.artifacts ?? current.artifacts,
    secondaryArtifacts: input.secondaryArtifacts ?? current.secondaryArtifacts,
    cache: input.cache ?? current.cache,
    environment: input.environment ?? current.environment,
    serviceRole: input.serviceRole ?? current.serviceRole,
    timeoutInMinutes: input.timeoutInMinutes ?? current.timeoutInMinutes,
    queuedTimeoutInMinutes: input.queuedTimeoutInMinutes ?? current.queuedTimeoutInMinutes,
    encryptionKey: input.encryptionKey ?? current.encryptionKey,
    tags: input.tags ?? current.tags,
    logsConfig: input.logsConfig ?? current.logsConfig,
    // AWS removes the limit when -1 is sent.
    concurrentBuildLimit: input.concurrentBuildLimit === -1 ? undefined : (input.concurrentBuildLimit ?? current.concurrentBuildLimit),
    lastModifiedAt: ctx.clock.now(),
  }
  checkSettings(next)
  await checkFleetOf(ctx, next.environment)
  await ctx.store.projects.update(next)
  return next
}

export async function deleteProject(ctx: BuildContext, name: string): Promise<void> {
  await ctx.store.projects.delete(name)
}

export async function requireProject(ctx: BuildContext, name: string): Promise<ProjectRecord> {
  const p = await ctx.store.projects.get(name)
  if (!p) throw E.projectNotFound(projectArn(ctx, name))
  return p
}
