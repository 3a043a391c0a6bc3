import type { FastifyInstance } from 'fastify'
import type { SlipwayConfig } from '../config/config.ts'
import type { Clock } from '../infra/clock.ts'
import type { Store } from '../infra/store.ts'
import type { EventBus } from '../events/bus.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import type { GitContext } from '../git/service/context.ts'
import type { BuildContext } from '../build/service/context.ts'
import type { PipelineContext } from '../pipeline/service/context.ts'
import { PipelineEngine } from '../pipeline/service/engine.ts'
import { ACTIONS_SIGNAL, ActionWorker } from '../pipeline/service/action-worker.ts'
import { registerTriggers } from '../pipeline/service/triggers.ts'
import { completeActionsOnBuildEnd, stopBuildsOfAbandonedActions } from '../pipeline/service/build-completion.ts'
import { JobWorkerApi, customActionProvider } from '../pipeline/service/job-workers.ts'
import { codePipelineApi } from '../pipeline/api/codepipeline-api.ts'
import { codeCommitSource } from '../pipeline/providers/codecommit-source.ts'
import { s3Source } from '../pipeline/providers/s3-source.ts'
import { codeBuildAction } from '../pipeline/providers/codebuild.ts'
import { commandsAction } from '../pipeline/providers/commands.ts'
import { manualApproval } from '../pipeline/providers/manual-approval.ts'
import { s3Deploy } from '../pipeline/providers/s3-deploy.ts'
import { codeDeployAction, deploymentOutcome } from '../pipeline/providers/codedeploy.ts'
import { DEPLOYMENT_STATE_CHANGE, type DeploymentService } from '../deploy/service/deployments.ts'
import type { DeploymentRecord } from '../deploy/service/deployment-state.ts'
import { ecrSource, type ImageLookup } from '../pipeline/providers/ecr-source.ts'
import { ecrBuildAndPublish } from '../pipeline/providers/ecr-build-and-publish.ts'
import { registerWebhookTrigger } from '../pipeline/http/webhook-trigger.ts'

export type PipelineModuleDeps = {
  config: SlipwayConfig
  clock: Clock
  store: Store
  bus: EventBus
  git: GitContext
  objects: ObjectStore
  builds: BuildContext
  baseUrl: () => string
  deployments: DeploymentService
  findDeploymentByAction: (actionExecutionId: string) => Promise<DeploymentRecord | undefined>
  /** The registry's images, for ECR source actions; its host, for ECRBuildAndPublish. */
  images: ImageLookup
  registryHost: () => string
}

/** The CodePipeline context: engine, action providers, the action worker, event-driven triggers, API. */
export function registerPipelines(app: FastifyInstance, deps: PipelineModuleDeps) {
  const ctx: PipelineContext = {
    store: deps.store,
    clock: deps.clock,
    bus: deps.bus,
    region: deps.config.region,
    accountId: deps.config.accountId,
    baseUrl: deps.baseUrl,
    wakeActions: () => deps.store.signals.send(ACTIONS_SIGNAL),
  }
  const engine = new PipelineEngine(ctx)
  const providers = [
    codeCommitSource({ git: deps.git, objects: deps.objects }),
    s3Source({ objects: deps.objects }),
    ecrSource({ objects: deps.objects, images: deps.images }),
    ecrBuildAndPublish(deps.builds, { registryHost: deps.registryHost }),
    codeBuildAction(deps.builds),
    commandsAction(deps.builds),
    manualApproval,
    s3Deploy({ objects: deps.objects }),
    codeDeployAction(deps.deployments, deps.findDeploymentByAction),
    customActionProvider(ctx),
  ]
  const onError = (err: unknown, context = 'pipelines') => app.log.error({ err }, context)
  const worker = new ActionWorker(ctx, engine, providers, { onError })
  registerTriggers(ctx, engine, { bus: deps.bus, git: deps.git, onError })
  completeActionsOnBuildEnd(deps.bus, deps.builds, engine)
  stopBuildsOfAbandonedActions(deps.bus, deps.builds, (err) => onError(err, 'stopping an abandoned build'))
  deps.bus.subscribe('pipeline-deployment-completion', [DEPLOYMENT_STATE_CHANGE], async (event) => {
    if (event.type !== DEPLOYMENT_STATE_CHANGE) return
    const d = await deps.deployments.get(String(event.detail.deploymentId)).catch(() => undefined)
    const outcome = d && deploymentOutcome(d)
    const a = d?.pipelineAction
    if (a && outcome) await engine.completeAction(a.pipelineName, a.executionId, a.stageName, a.actionName, a.actionExecutionId, outcome).catch(() => false)
  })
  const api = codePipelineApi(ctx, engine, new JobWorkerApi(ctx, engine))
  registerWebhookTrigger(app, ctx, engine, (err) => onError(err, 'pipeline webhook'))
  return {
    api,
    engine,
    async start() {
      await engine.reconcileAll()
      worker.start()
    },
    stop() {
      worker.stop()
    },
  }
}
