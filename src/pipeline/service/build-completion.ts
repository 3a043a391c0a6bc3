import type { EventBus } from '../../events/bus.ts'
import type { BuildContext } from '../../build/service/context.ts'
import { BUILD_STATE_CHANGE } from '../../build/service/builds.ts'
import { buildOutcome } from '../providers/codebuild.ts'
import type { PipelineEngine } from './engine.ts'

/** A build a pipeline action started completes that action when it ends (its exported variables become outputs). */
export function completeActionsOnBuildEnd(bus: EventBus, builds: BuildContext, engine: PipelineEngine): void {
  bus.subscribe(async (event) => {
    if (event.type !== BUILD_STATE_CHANGE || event.detail['build-status'] === 'IN_PROGRESS') return
    const build = await builds.store.builds.get(String(event.detail['build-id']))
    const p = build?.settings.pipeline
    if (!build || !p) return
    const outcome = buildOutcome(builds, build)
    if (outcome) await engine.completeAction(p.pipelineName, p.executionId, p.stageName, p.actionName, p.actionExecutionId, outcome).catch(() => false)
  })
}
