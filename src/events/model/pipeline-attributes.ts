import type { ExecutionState } from '../../pipeline/model/execution-types.ts'

/**
 * What CodeStar Notifications adds to a pipeline event in FULL messages (`additionalAttributes`),
 * read from the execution the event is about: where it failed, why, and what it built.
 */
export type PipelineAttributes = {
  failedStage?: string
  failedActionCount?: number
  failedActions?: { stage: string; action: string; additionalInformation?: string }[]
  sourceActions?: { sourceActionName: string; revisionId: string; revisionSummary?: string; revisionUrl?: string }[]
  statusSummary?: string
}

export function pipelineAttributes(e: ExecutionState): PipelineAttributes {
  const out: PipelineAttributes = {}
  const failedActions: NonNullable<PipelineAttributes['failedActions']> = []
  for (const [stage, run] of Object.entries(e.stages)) {
    if (run.status === 'Failed' && out.failedStage === undefined) out.failedStage = stage
    for (const [action, a] of Object.entries(run.actions)) {
      if (a.status !== 'Failed') continue
      const info = a.errorDetails?.message ?? a.summary
      failedActions.push(info === undefined ? { stage, action } : { stage, action, additionalInformation: info })
    }
  }
  if (failedActions.length > 0) {
    out.failedActionCount = failedActions.length
    out.failedActions = failedActions
  }
  if (e.sourceRevisions.length > 0) {
    out.sourceActions = e.sourceRevisions.map((r) => ({
      sourceActionName: r.actionName,
      revisionId: r.revisionId,
      ...(r.revisionSummary !== undefined ? { revisionSummary: r.revisionSummary } : {}),
      ...(r.revisionUrl !== undefined ? { revisionUrl: r.revisionUrl } : {}),
    }))
  }
  if (e.statusSummary !== undefined) out.statusSummary = e.statusSummary
  return out
}
