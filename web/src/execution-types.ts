export type Artifact = { name: string; s3location?: { bucket: string; key: string } }

/** One entry of ListActionExecutions, as the console API passes it on. */
export type ActionDetail = {
  actionExecutionId: string
  stageName: string
  actionName: string
  status: string
  startTime?: string
  lastUpdateTime?: string
  input?: {
    actionTypeId?: { category: string; owner: string; provider: string; version: string }
    resolvedConfiguration?: Record<string, string>
    inputArtifacts?: Artifact[]
    namespace?: string
  }
  output?: {
    outputArtifacts?: Artifact[]
    outputVariables?: Record<string, string>
    executionResult?: { externalExecutionId?: string; externalExecutionSummary?: string; externalExecutionUrl?: string; errorDetails?: { code?: string; message?: string } }
  }
}

export type Execution = {
  pipelineExecutionId: string
  pipelineVersion?: number
  status: string
  statusSummary?: string
  executionMode?: string
  trigger?: { triggerType?: string; triggerDetail?: string }
  artifactRevisions?: { name: string; revisionId: string; revisionSummary?: string; revisionUrl?: string }[]
  variables?: { name: string; resolvedValue: string }[]
}

export type ExecutionDetail = { execution: Execution; summary?: { startTime?: string; lastUpdateTime?: string; stopTrigger?: { reason?: string } }; actions: ActionDetail[] }

/** "1 h 2 min", "3 min 4 s", "5 s" between two times. */
export function fmtDuration(from: string | undefined, to: string | number | undefined): string {
  if (!from || to === undefined) return ''
  const s = Math.max(0, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** A link target only when it is http(s) (never `javascript:` from a stored value). */
export const safeUrl = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined)
