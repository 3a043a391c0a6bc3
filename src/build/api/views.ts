import type { Build, Project } from '../../protocol/models/codebuild.types.ts'
import type { BuildRecord, ProjectRecord } from '../records.ts'
import { type BuildContext, buildArn, projectArn } from '../service/context.ts'

export function projectView(ctx: BuildContext, p: ProjectRecord): Project {
  return {
    name: p.name,
    arn: projectArn(ctx, p.name),
    description: p.description,
    source: p.source,
    secondarySources: p.secondarySources,
    sourceVersion: p.sourceVersion,
    secondarySourceVersions: p.secondarySourceVersions,
    artifacts: p.artifacts,
    secondaryArtifacts: p.secondaryArtifacts,
    cache: p.cache,
    environment: p.environment,
    serviceRole: p.serviceRole,
    timeoutInMinutes: p.timeoutInMinutes,
    queuedTimeoutInMinutes: p.queuedTimeoutInMinutes,
    encryptionKey: p.encryptionKey,
    tags: p.tags,
    created: p.createdAt,
    lastModified: p.lastModifiedAt,
    logsConfig: p.logsConfig ?? { cloudWatchLogs: { status: 'ENABLED' }, s3Logs: { status: 'DISABLED' } },
    concurrentBuildLimit: p.concurrentBuildLimit,
    projectVisibility: 'PRIVATE',
  }
}

/** Where a build's log can be read (and followed while it runs). */
export function logDeepLink(ctx: BuildContext, id: string): string {
  return `${ctx.baseUrl()}/slipway/builds/${encodeURIComponent(id)}/log`
}

export function buildView(ctx: BuildContext, b: BuildRecord): Build {
  const uuid = b.id.slice(b.projectName.length + 1)
  const s = b.settings
  return {
    id: b.id,
    arn: buildArn(ctx, b.id),
    buildNumber: b.buildNumber,
    startTime: b.startTime,
    endTime: b.endTime,
    currentPhase: b.currentPhase,
    buildStatus: b.status,
    sourceVersion: s.pipeline ? s.pipeline.inputs[0] && `arn:aws:s3:::${s.pipeline.inputs[0].bucket}/${s.pipeline.inputs[0].key}` : s.sourceVersion,
    resolvedSourceVersion: b.resolvedSourceVersion,
    projectName: b.projectName,
    phases: b.phases.map((p) =>
      p.phaseType === 'COMPLETED'
        ? { phaseType: 'COMPLETED', startTime: p.startTime }
        : {
            phaseType: p.phaseType as NonNullable<Build['phases']>[number]['phaseType'],
            phaseStatus: p.phaseStatus,
            startTime: p.startTime,
            endTime: p.endTime,
            durationInSeconds: p.endTime ? Math.floor((p.endTime.getTime() - p.startTime.getTime()) / 1000) : undefined,
            contexts: p.endTime ? (p.contexts ?? [{ statusCode: '', message: '' }]) : undefined,
          },
    ),
    source: s.source,
    secondarySources: s.secondarySources,
    secondarySourceVersions: s.secondarySourceVersions,
    artifacts: b.artifacts ?? (s.artifacts.type === 'NO_ARTIFACTS' ? { location: '' } : undefined),
    secondaryArtifacts: b.secondaryArtifacts,
    cache: s.cache,
    environment: { ...s.environment, environmentVariables: [...(s.environment.environmentVariables ?? []), ...s.environmentVariablesOverride] },
    serviceRole: s.serviceRole,
    logs: {
      groupName: `/aws/codebuild/${b.projectName}`,
      streamName: uuid,
      deepLink: logDeepLink(ctx, b.id),
      cloudWatchLogs: { status: 'ENABLED' },
      s3Logs: { status: 'DISABLED' },
    },
    timeoutInMinutes: s.timeoutInMinutes,
    queuedTimeoutInMinutes: s.queuedTimeoutInMinutes,
    buildComplete: b.status !== 'IN_PROGRESS',
    initiator: b.initiator,
    encryptionKey: s.encryptionKey,
    exportedEnvironmentVariables: b.exportedVariables,
    reportArns: b.reportArns ?? [],
  }
}
