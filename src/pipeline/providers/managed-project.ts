import type { BuildContext } from '../../build/service/context.ts'
import type { ProjectRecord } from '../../build/records.ts'

/** The image of builds Slipway runs for pipeline actions when the action names none. */
export const MANAGED_IMAGE = 'aws/codebuild/amazonlinux-x86_64-standard:5.0'

/**
 * A CodeBuild project Slipway keeps for actions that run as builds without a project of the user's
 * (Commands, ECRBuildAndPublish): created on first use, so their builds show up with logs like any.
 */
export async function ensureManagedProject(ctx: BuildContext, name: string, description: string): Promise<ProjectRecord> {
  const existing = await ctx.store.projects.get(name)
  if (existing) return existing
  const now = ctx.clock.now()
  const project: ProjectRecord = {
    name,
    description,
    source: { type: 'CODEPIPELINE' },
    secondarySources: [],
    secondarySourceVersions: [],
    artifacts: { type: 'CODEPIPELINE' },
    secondaryArtifacts: [],
    cache: { type: 'NO_CACHE' },
    environment: { type: 'LINUX_CONTAINER', image: MANAGED_IMAGE, computeType: 'BUILD_GENERAL1_SMALL' },
    serviceRole: 'slipway',
    timeoutInMinutes: 60,
    queuedTimeoutInMinutes: 480,
    tags: [],
    createdAt: now,
    lastModifiedAt: now,
  }
  try {
    await ctx.store.projects.insert(project)
  } catch {
    // created concurrently
  }
  return (await ctx.store.projects.get(name)) ?? project
}
