/** A build as the console's project and build lists show it. */
export type BuildSummary = {
  id: string
  buildNumber?: number
  buildStatus: string
  currentPhase?: string
  startTime?: string
  endTime?: string
  sourceVersion?: string
  resolvedSourceVersion?: string
  initiator?: string
}

export const buildHref = (id: string) => `#/builds/${encodeURIComponent(id)}`
export const isBuildEvent = (e: { type: string }) => e.type === 'codebuild.BuildStateChange'
