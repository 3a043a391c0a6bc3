import type { EventBus } from '../../events/bus.ts'
import type { BuildContext } from '../../build/service/context.ts'
import { BUILD_STATE_CHANGE, stopBuild } from '../../build/service/builds.ts'
import { buildOutcome } from '../providers/codebuild.ts'
import type { PipelineEngine } from './engine.ts'
import { ACTION_STATE_CHANGE } from './engine-events.ts'

/** A build a pipeline action started completes that action when it ends (its exported variables become outputs). */
export function completeActionsOnBuildEnd(bus: EventBus, builds: BuildContext, engine: PipelineEngine): void {
  bus.subscribe('pipeline-build-completion', [BUILD_STATE_CHANGE], async (event) => {
    if (event.type !== BUILD_STATE_CHANGE || event.detail['build-status'] === 'IN_PROGRESS') return
    const build = await builds.store.builds.get(String(event.detail['build-id']))
    const p = build?.settings.pipeline
    if (!build || !p) return
    const outcome = buildOutcome(builds, build)
    if (outcome) await engine.completeAction(p.pipelineName, p.executionId, p.stageName, p.actionName, p.actionExecutionId, outcome).catch(() => false)
  })
}

/** Stop-and-abandon: an abandoned build or Commands action stops its build, so nothing keeps running for it. */
export function stopBuildsOfAbandonedActions(bus: EventBus, builds: BuildContext, onError: (err: unknown) => void): void {
  bus.subscribe('pipeline-abandoned-builds', [ACTION_STATE_CHANGE], async (event) => {
    if (event.type !== ACTION_STATE_CHANGE || event.detail.state !== 'ABANDONED') return
    const provider = (event.detail.type as { provider?: string } | undefined)?.provider
    if (provider !== 'CodeBuild' && provider !== 'Commands') return
    const execution = await builds.store.pipelines.execution(String(event.detail['execution-id']))
    const buildId = execution?.stages[String(event.detail.stage)]?.actions[String(event.detail.action)]?.externalExecutionId
    if (buildId) await stopBuild(builds, buildId).catch(onError)
  })
}
