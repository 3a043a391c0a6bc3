import { stringify } from 'yaml'
import type { BuildContext } from '../../build/service/context.ts'
import type { ActionProvider } from './provider.ts'
import { checkActionBuild, reportBuild, startPipelineBuild } from './codebuild.ts'
import { ensureManagedProject, MANAGED_IMAGE } from './managed-project.ts'

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/

/**
 * The build commands: fixed text; every value the action's configuration gives reaches the shell
 * only as an environment variable, quoted.
 */
const COMMANDS = {
  login: ['aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | docker login --username AWS --password-stdin "$SLIPWAY_REGISTRY"'],
  build: [
    'if [ -f "$SLIPWAY_DOCKERFILE_PATH" ]; then SLIPWAY_CONTEXT=$(dirname "$SLIPWAY_DOCKERFILE_PATH"); SLIPWAY_DOCKERFILE="$SLIPWAY_DOCKERFILE_PATH"; else SLIPWAY_CONTEXT="$SLIPWAY_DOCKERFILE_PATH"; SLIPWAY_DOCKERFILE="$SLIPWAY_DOCKERFILE_PATH/Dockerfile"; fi',
    'docker build -t "$SLIPWAY_IMAGE_REPO:${SLIPWAY_IMAGE_TAGS%%,*}" -f "$SLIPWAY_DOCKERFILE" "$SLIPWAY_CONTEXT"',
  ],
  push: [
    'for t in $(echo "$SLIPWAY_IMAGE_TAGS" | tr , " "); do docker tag "$SLIPWAY_IMAGE_REPO:${SLIPWAY_IMAGE_TAGS%%,*}" "$SLIPWAY_IMAGE_REPO:$t" && docker push "$SLIPWAY_IMAGE_REPO:$t" || exit 1; done',
    'ECRImageDigestId=$(docker inspect --format "{{index .RepoDigests 0}}" "$SLIPWAY_IMAGE_REPO:${SLIPWAY_IMAGE_TAGS%%,*}" | cut -d@ -f2)',
    'ECRRepositoryName="$SLIPWAY_REPOSITORY_NAME"',
  ],
}

/**
 * Build / ECRBuildAndPublish (AWS's 2024 action): builds the input artifact's Dockerfile and pushes
 * it to a Slipway ECR repository under each of `ImageTags` (default latest), as a privileged build
 * of a project Slipway keeps per pipeline. The build image needs docker and the AWS CLI, as AWS's
 * images have (on the host executor, the host's). Output variables: ECRImageDigestId, ECRRepositoryName.
 */
export function ecrBuildAndPublish(ctx: BuildContext, deps: { registryHost: () => string }): ActionProvider {
  return {
    matches: (a) => a.category === 'Build' && a.owner === 'AWS' && a.provider === 'ECRBuildAndPublish',
    async run(job, report) {
      const config = job.run.resolvedConfiguration
      const repository = config.ECRRepositoryName ?? ''
      const tags = (config.ImageTags || 'latest').split(',').map((t) => t.trim()).filter(Boolean)
      const bad = tags.find((t) => !TAG.test(t))
      if (bad !== undefined) return { status: 'Failed', errorDetails: { code: 'ConfigurationError', message: `ImageTags: '${bad}' is not a valid image tag` }, summary: 'Bad ImageTags' }
      if ((config.RegistryType ?? 'private') !== 'private') return { status: 'Failed', errorDetails: { code: 'ConfigurationError', message: 'RegistryType: only private registries are served here' }, summary: 'Public registries are not served' }
      const project = await ensureManagedProject(ctx, `SlipwayECRBuildAndPublish-${job.pipeline.name}`.slice(0, 255), 'Runs the ECRBuildAndPublish actions of a pipeline (managed by Slipway)')
      const buildspec = stringify({
        version: 0.2,
        env: { 'exported-variables': ['ECRImageDigestId', 'ECRRepositoryName'] },
        phases: { pre_build: { commands: COMMANDS.login }, build: { commands: COMMANDS.build }, post_build: { commands: COMMANDS.push } },
      })
      const registry = deps.registryHost()
      const variables = {
        SLIPWAY_REGISTRY: registry,
        SLIPWAY_REPOSITORY_NAME: repository,
        SLIPWAY_IMAGE_REPO: `${registry}/${repository}`,
        SLIPWAY_IMAGE_TAGS: tags.join(','),
        SLIPWAY_DOCKERFILE_PATH: config.DockerFilePath || '.',
      }
      const build = await startPipelineBuild(ctx, project, job, {
        buildspec,
        image: MANAGED_IMAGE,
        privileged: true,
        environmentVariables: Object.entries(variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' as const })),
      })
      return reportBuild(ctx, build, report)
    },
    check: (job) => checkActionBuild(ctx, job),
  }
}
