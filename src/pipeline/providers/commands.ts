import { stringify } from 'yaml'
import type { BuildContext } from '../../build/service/context.ts'
import type { ProjectRecord } from '../../build/records.ts'
import type { ActionProvider } from './provider.ts'
import { checkActionBuild, reportBuild, startPipelineBuild } from './codebuild.ts'

const DEFAULT_IMAGE = 'aws/codebuild/amazonlinux-x86_64-standard:5.0'

/**
 * Compute / Commands (the 2024 action): the action's shell commands run like a CodeBuild build, on
 * its input artifacts, with `outputVariables` exported. Builds run under a project Slipway keeps per
 * pipeline, `SlipwayCommands-<pipeline>`, so they show up with logs like any build. The image is the
 * configuration's `Image` (the docker executor needs one that exists locally).
 */
export function commandsAction(ctx: BuildContext): ActionProvider {
  return {
    matches: (a) => a.category === 'Compute' && a.owner === 'AWS' && a.provider === 'Commands',
    async run(job, report) {
      const project = await ensureProject(ctx, `SlipwayCommands-${job.pipeline.name}`.slice(0, 255))
      const buildspec = stringify({
        version: 0.2,
        env: job.action.outputVariables?.length ? { 'exported-variables': job.action.outputVariables } : undefined,
        phases: { build: { commands: job.run.resolvedCommands ?? job.action.commands ?? [] } },
        artifacts: job.run.outputArtifacts.length > 0 ? { files: ['**/*'] } : undefined,
      })
      return reportBuild(ctx, await startPipelineBuild(ctx, project, job, { buildspec, image: job.run.resolvedConfiguration.Image ?? DEFAULT_IMAGE }), report)
    },
    check: (job) => checkActionBuild(ctx, job),
  }
}

async function ensureProject(ctx: BuildContext, name: string): Promise<ProjectRecord> {
  const existing = await ctx.store.projects.get(name)
  if (existing) return existing
  const now = ctx.clock.now()
  const project: ProjectRecord = {
    name,
    description: 'Runs the Commands actions of a pipeline (managed by Slipway)',
    source: { type: 'CODEPIPELINE' },
    secondarySources: [],
    secondarySourceVersions: [],
    artifacts: { type: 'CODEPIPELINE' },
    secondaryArtifacts: [],
    cache: { type: 'NO_CACHE' },
    environment: { type: 'LINUX_CONTAINER', image: DEFAULT_IMAGE, computeType: 'BUILD_GENERAL1_SMALL' },
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
