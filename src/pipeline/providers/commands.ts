import { stringify } from 'yaml'
import type { BuildContext } from '../../build/service/context.ts'
import type { ActionProvider } from './provider.ts'
import { checkActionBuild, reportBuild, startPipelineBuild } from './codebuild.ts'
import { ensureManagedProject, MANAGED_IMAGE } from './managed-project.ts'

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
      const project = await ensureManagedProject(ctx, `SlipwayCommands-${job.pipeline.name}`.slice(0, 255), 'Runs the Commands actions of a pipeline (managed by Slipway)')
      const buildspec = stringify({
        version: 0.2,
        env: job.action.outputVariables?.length ? { 'exported-variables': job.action.outputVariables } : undefined,
        phases: { build: { commands: job.run.resolvedCommands ?? job.action.commands ?? [] } },
        artifacts: job.run.outputArtifacts.length > 0 ? { files: ['**/*'] } : undefined,
      })
      return reportBuild(ctx, await startPipelineBuild(ctx, project, job, { buildspec, image: job.run.resolvedConfiguration.Image ?? MANAGED_IMAGE }), report)
    },
    check: (job) => checkActionBuild(ctx, job),
  }
}
