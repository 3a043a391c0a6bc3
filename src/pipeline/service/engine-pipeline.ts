import type { NormalizedPipeline } from '../model/structure/types.ts'
import type { EnginePipeline } from '../model/execution-types.ts'

/** The engine's view of a validated pipeline. */
export function toEnginePipeline(n: NormalizedPipeline, region: string): EnginePipeline {
  const store = n.artifactStores[region] ?? Object.values(n.artifactStores)[0]
  return {
    name: n.name,
    version: n.version,
    executionMode: n.executionMode,
    artifactBucket: store?.location ?? '',
    stages: n.stages.map((s) => ({
      name: s.name,
      ...(s.onFailure?.result === 'RETRY' ? { autoRetry: s.onFailure.retryMode ?? 'FAILED_ACTIONS' } : {}),
      ...(s.onFailure?.result === 'ROLLBACK' ? { autoRollback: true } : {}),
      groups: s.groups.map((g) => ({
        runOrder: g.runOrder,
        actions: g.actions.map((a) => ({
          name: a.name,
          category: a.actionTypeId.category,
          owner: a.actionTypeId.owner,
          provider: a.actionTypeId.provider,
          version: a.actionTypeId.version,
          runOrder: a.runOrder,
          configuration: { ...a.configuration },
          inputArtifacts: [...a.inputArtifacts],
          outputArtifacts: a.outputArtifacts.map((o) => o.name),
          namespace: a.namespace,
          timeoutInMinutes: a.timeoutInMinutes,
          commands: a.commands.length > 0 ? [...a.commands] : undefined,
          outputVariables: a.outputVariables.length > 0 ? [...a.outputVariables] : undefined,
        })),
      })),
    })),
  }
}
