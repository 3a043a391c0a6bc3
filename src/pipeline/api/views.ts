import type { ActionExecutionDetail, GetPipelineStateOutput, PipelineDeclaration, PipelineExecution, PipelineExecutionSummary, StageState } from '../../protocol/models/codepipeline.types.ts'
import type { PipelineRecord } from '../records.ts'
import type { ActionRun, EngineAction, EnginePipeline, ExecutionState } from '../model/execution-types.ts'

const d = (ms: number) => new Date(ms)

/** The run of `stageName` an execution made itself (a rollback's copies of earlier stages are not its own). */
function ownRun(p: EnginePipeline, e: ExecutionState, stageName: string) {
  if (e.rollback && p.stages.findIndex((s) => s.name === stageName) < p.stages.findIndex((s) => s.name === e.rollback!.stageName)) return undefined
  return e.stages[stageName]
}

/** GetPipelineState: per stage its latest execution, its actions' latest runs, inbound executions. */
export function pipelineStateView(record: PipelineRecord, p: EnginePipeline, recent: ExecutionState[]): GetPipelineStateOutput {
  const newestFirst = [...recent].sort((a, b) => b.startTime - a.startTime)
  const stageStates: StageState[] = p.stages.map((stage, idx) => {
    const latest = newestFirst.find((e) => ownRun(p, e, stage.name))
    const run = latest && ownRun(p, latest, stage.name)
    const inbound = [...recent]
      .filter((e) => e.position.kind === 'waiting' && e.position.stageIndex === idx && (e.status === 'InProgress' || e.status === 'Stopping'))
      .sort((a, b) => (a.position as { since: number }).since - (b.position as { since: number }).since)
      .map((e) => ({ pipelineExecutionId: e.id, status: 'InProgress' as const, type: 'STANDARD' as const }))
    const transition = record.transitions[stage.name]
    return {
      stageName: stage.name,
      inboundExecution: inbound.at(-1),
      inboundExecutions: inbound.length > 0 ? inbound : undefined,
      inboundTransitionState: idx === 0 ? undefined : { enabled: transition?.enabled !== false, disabledReason: transition?.enabled === false ? transition.reason : undefined },
      actionStates: stage.groups.flatMap((g) => g.actions).map((a) => {
        const r = newestFirst.map((e) => ownRun(p, e, stage.name)?.actions[a.name]).find((x) => x !== undefined)
        const owner = newestFirst.find((e) => ownRun(p, e, stage.name)?.actions[a.name] === r)
        const revision = a.category === 'Source' ? owner?.sourceRevisions.find((s) => s.actionName === a.name) : undefined
        return {
          actionName: a.name,
          currentRevision: revision ? { revisionId: revision.revisionId, revisionChangeId: revision.revisionId, created: d(r?.lastUpdateTime ?? 0) } : undefined,
          latestExecution: r
            ? {
                actionExecutionId: r.actionExecutionId,
                status: r.status,
                summary: r.summary,
                lastStatusChange: d(r.lastUpdateTime),
                token: r.status === 'InProgress' ? r.token : undefined,
                externalExecutionId: r.externalExecutionId,
                externalExecutionUrl: r.externalExecutionUrl,
                errorDetails: r.errorDetails,
              }
            : undefined,
          revisionUrl: revision?.revisionUrl,
        }
      }),
      latestExecution: latest && run ? { pipelineExecutionId: latest.id, status: run.status, type: latest.rollback ? 'ROLLBACK' : 'STANDARD' } : undefined,
      retryStageMetadata: run?.latestRetryTrigger
        ? { autoStageRetryAttempt: run.autoRetries || undefined, manualStageRetryAttempt: run.manualRetries || undefined, latestRetryTrigger: run.latestRetryTrigger }
        : undefined,
    }
  })
  return { pipelineName: record.name, pipelineVersion: record.version, stageStates, created: record.createdAt, updated: record.updatedAt }
}

/** The name of the artifact a source action produced in an execution (AWS names revisions by artifact). */
function outputArtifactOf(e: ExecutionState, actionName: string): string {
  for (const stage of Object.values(e.stages)) {
    const name = stage.actions[actionName]?.outputArtifacts[0]?.name
    if (name) return name
  }
  return actionName
}

export function executionView(e: ExecutionState): PipelineExecution {
  return {
    pipelineName: e.pipelineName,
    pipelineVersion: e.pipelineVersion,
    pipelineExecutionId: e.id,
    status: e.status,
    statusSummary: e.statusSummary,
    artifactRevisions: e.sourceRevisions.map((s) => ({ name: outputArtifactOf(e, s.actionName), revisionId: s.revisionId, revisionSummary: s.revisionSummary, revisionUrl: s.revisionUrl, created: d(e.startTime) })),
    variables: Object.entries(e.variables).map(([name, resolvedValue]) => ({ name, resolvedValue })),
    trigger: e.trigger as PipelineExecution['trigger'],
    executionMode: e.mode,
    ...executionTypeView(e),
  }
}

/** `executionType` and, for a rollback, the execution it rolled back to. */
const executionTypeView = (e: ExecutionState) =>
  e.rollback
    ? { executionType: 'ROLLBACK' as const, rollbackMetadata: { rollbackTargetPipelineExecutionId: e.rollback.targetId } }
    : { executionType: 'STANDARD' as const }

export function executionSummaryView(e: ExecutionState): PipelineExecutionSummary {
  return {
    pipelineExecutionId: e.id,
    status: e.status,
    statusSummary: e.statusSummary,
    startTime: d(e.startTime),
    lastUpdateTime: d(e.lastUpdateTime),
    sourceRevisions: e.sourceRevisions.map((s) => ({ actionName: s.actionName, revisionId: s.revisionId, revisionSummary: s.revisionSummary, revisionUrl: s.revisionUrl })),
    trigger: e.trigger as PipelineExecutionSummary['trigger'],
    stopTrigger: e.stop ? { reason: e.stop.reason } : undefined,
    executionMode: e.mode,
    ...executionTypeView(e),
  }
}

/** ListActionExecutions: every action run of the executions (retried attempts too), newest first. */
export function actionExecutionViews(p: EnginePipeline, executions: ExecutionState[]): ActionExecutionDetail[] {
  const out: ActionExecutionDetail[] = []
  for (const e of executions) {
    for (const stage of p.stages) {
      const run = ownRun(p, e, stage.name)
      for (const a of stage.groups.flatMap((g) => g.actions)) {
        const earlier = (run?.earlier ?? []).filter((x) => x.actionName === a.name).map((x) => x.run)
        const current = run?.actions[a.name]
        for (const r of current ? [...earlier, current] : earlier) out.push(actionExecutionView(e, stage.name, a, r))
      }
    }
  }
  return out.sort((x, y) => (y.startTime as Date).getTime() - (x.startTime as Date).getTime())
}

function actionExecutionView(e: ExecutionState, stageName: string, a: EngineAction, r: ActionRun): ActionExecutionDetail {
  return {
    pipelineExecutionId: e.id,
    actionExecutionId: r.actionExecutionId,
    pipelineVersion: e.pipelineVersion,
    stageName,
    actionName: a.name,
    startTime: d(r.startTime),
    lastUpdateTime: d(r.lastUpdateTime),
    status: r.status,
    input: {
      actionTypeId: { category: a.category as never, owner: a.owner as never, provider: a.provider, version: a.version },
      configuration: a.configuration,
      resolvedConfiguration: r.resolvedConfiguration,
      inputArtifacts: r.inputArtifacts.map((x) => ({ name: x.name, s3location: { bucket: x.bucket, key: x.key } })),
      namespace: a.namespace,
    },
    output: {
      outputArtifacts: r.outputArtifacts.map((x) => ({ name: x.name, s3location: { bucket: x.bucket, key: x.key } })),
      executionResult: { externalExecutionId: r.externalExecutionId, externalExecutionSummary: r.summary, externalExecutionUrl: r.externalExecutionUrl, errorDetails: r.errorDetails },
      outputVariables: r.outputVariables,
    },
  }
}

/**
 * A pipeline declaration as CodePipeline returns it: every action with its `runOrder` (1), artifact
 * lists and configuration (empty), the pipeline with its `version`, `pipelineType` (V1) and
 * `executionMode` (SUPERSEDED) — what infrastructure-as-code tools treat as computed.
 */
export function declarationView(declaration: PipelineDeclaration, version: number): PipelineDeclaration {
  return {
    ...declaration,
    version,
    pipelineType: declaration.pipelineType ?? 'V1',
    executionMode: declaration.executionMode ?? 'SUPERSEDED',
    stages: declaration.stages.map((stage) => ({
      ...stage,
      actions: stage.actions.map((a) => ({ ...a, runOrder: a.runOrder ?? 1, configuration: a.configuration ?? {}, inputArtifacts: a.inputArtifacts ?? [], outputArtifacts: a.outputArtifacts ?? [] })),
    })),
  }
}
