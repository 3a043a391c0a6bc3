import type {
  BuildArtifacts,
  EnvironmentVariable,
  LogsConfig,
  ProjectArtifacts,
  ProjectCache,
  ProjectEnvironment,
  ProjectSource,
  ProjectSourceVersion,
  StatusType,
  Tag,
} from '../protocol/models/codebuild.types.ts'
import type { RunnerLabels, RunnerRequirements } from './model/runner-match.ts'

/**
 * What the store keeps of a CodeBuild project. Nested settings reuse the API model's data shapes
 * (they are plain data the user declared); the store and API mappers convert at the edges.
 */
export type ProjectRecord = {
  name: string
  description?: string
  source: ProjectSource
  secondarySources: ProjectSource[]
  sourceVersion?: string
  secondarySourceVersions: ProjectSourceVersion[]
  artifacts: ProjectArtifacts
  secondaryArtifacts: ProjectArtifacts[]
  cache: ProjectCache
  environment: ProjectEnvironment
  serviceRole: string
  timeoutInMinutes: number
  queuedTimeoutInMinutes: number
  encryptionKey?: string
  tags: Tag[]
  logsConfig?: LogsConfig
  concurrentBuildLimit?: number
  createdAt: Date
  lastModifiedAt: Date
}

/** The effective settings of one build: the project's, with StartBuild's overrides applied. */
export type BuildSettings = {
  source: ProjectSource
  secondarySources: ProjectSource[]
  sourceVersion?: string
  secondarySourceVersions: ProjectSourceVersion[]
  artifacts: ProjectArtifacts
  secondaryArtifacts: ProjectArtifacts[]
  cache: ProjectCache
  environment: ProjectEnvironment
  environmentVariablesOverride: EnvironmentVariable[]
  buildspecOverride?: string
  serviceRole: string
  timeoutInMinutes: number
  queuedTimeoutInMinutes: number
  encryptionKey?: string
  /** Set when a pipeline action started the build: where its input artifacts are and where outputs go. */
  pipeline?: PipelineBuildContext
}

export type PipelineArtifactLocation = { name: string; bucket: string; key: string }
export type PipelineBuildContext = {
  pipelineName: string
  inputs: PipelineArtifactLocation[]
  primarySource?: string
  outputs: PipelineArtifactLocation[]
  /** The action this build runs, so its end completes that action. */
  executionId: string
  stageName: string
  actionName: string
  actionExecutionId: string
}

export type PhaseRecord = {
  phaseType: string
  phaseStatus?: StatusType
  startTime: Date
  endTime?: Date
  contexts?: { statusCode: string; message: string }[]
}

export type BuildRecord = {
  id: string
  projectName: string
  buildNumber: number
  status: StatusType
  currentPhase: string
  startTime: Date
  endTime?: Date
  initiator: string
  settings: BuildSettings
  concurrentBuildLimit?: number
  resolvedSourceVersion?: string
  phases: PhaseRecord[]
  exportedVariables: { name: string; value: string }[]
  artifacts?: BuildArtifacts
  secondaryArtifacts: BuildArtifacts[]
  reportArns?: string[]
  stopRequested: boolean
  /** Why it was asked to stop (absent when it was not). */
  stopReason?: StopReason
  idempotencyToken?: string
  /** Relative to the data dir. */
  logFile: string
}

export interface ProjectStore {
  insert(project: ProjectRecord): Promise<void>
  get(name: string): Promise<ProjectRecord | undefined>
  list(): Promise<ProjectRecord[]>
  update(project: ProjectRecord): Promise<void>
  delete(name: string): Promise<boolean>
  /** Reserves and returns the project's next build number. */
  nextBuildNumber(name: string): Promise<number>
}

export interface BuildStore {
  insert(build: BuildRecord): Promise<void>
  get(id: string): Promise<BuildRecord | undefined>
  byIdempotencyToken(projectName: string, token: string): Promise<BuildRecord | undefined>
  /** Ids newest first (or oldest first), optionally of one project. */
  listIds(order: 'ASCENDING' | 'DESCENDING', projectName?: string): Promise<string[]>
  /**
   * Guarded write of a build's whole state: succeeds only while the stored status is `expected`
   * (a finished build is never rewritten). Returns false on conflict.
   */
  save(build: BuildRecord, expected: string): Promise<boolean>
  /** Asks a running build to end: STOPPED (StopBuild) or TIMED_OUT (its timeout passed). */
  requestStop(id: string, reason?: StopReason): Promise<boolean>
  delete(id: string): Promise<boolean>
  /** Builds not finished (for start-up recovery and timeouts). */
  unfinished(): Promise<BuildRecord[]>
  /**
   * Claims the oldest queued build job that `accepts` (given the requirements its job was queued
   * with) and whose project is below its concurrent build limit: marks the job claimed by `owner`
   * until `leaseUntil`. Returns the build id or undefined.
   */
  claimNext(owner: string, now: Date, leaseUntil: Date, accepts?: (requires: RunnerRequirements) => boolean): Promise<{ jobId: string; buildId: string } | undefined>
}

export type StopReason = 'STOPPED' | 'TIMED_OUT'

/** A build runner as it registered (`slipway runner`, or a server's own). */
export type RunnerRecord = {
  id: string
  name: string
  /** The access key's principal it registered with (`runner:<name>`). */
  principal: string
  labels: RunnerLabels
  capacity: number
  executor: string
  version: string
  /** The container images it reported having (`repository:tag`). */
  images: string[]
  registeredAt: Date
  lastSeenAt: Date
}

export interface RunnerStore {
  upsert(runner: RunnerRecord): Promise<void>
  get(id: string): Promise<RunnerRecord | undefined>
  /** Records that the runner asked for work or reported (it is alive; kept to within 5 s). */
  touch(id: string, at: Date): Promise<void>
  /** Runners seen since `since`, by name. */
  active(since: Date): Promise<RunnerRecord[]>
  /** Forgets runners not seen since `before`; returns how many. */
  prune(before: Date): Promise<number>
}

/** A CodeBuild reserved-capacity fleet (`CreateFleet`), as the API shows it. */
export type FleetRecord = {
  name: string
  arn: string
  id: string
  created: Date
  lastModified: Date
  baseCapacity: number
  environmentType: string
  computeType: string
  overflowBehavior?: string
  tags: { key?: string; value?: string }[]
}

export interface FleetStore {
  insert(fleet: FleetRecord): Promise<boolean>
  get(name: string): Promise<FleetRecord | undefined>
  list(): Promise<FleetRecord[]>
  update(fleet: FleetRecord): Promise<boolean>
  delete(name: string): Promise<boolean>
}

/** Build logs as chunks (see `DatabaseLogStore`): contiguous, keyed by byte offset. */
export interface BuildLogStore {
  /** The log's length in bytes so far. */
  size(buildId: string): Promise<number>
  append(buildId: string, offset: number, data: Buffer): Promise<void>
  /** Up to `limit` chunks holding bytes at or after `offset`, in order. */
  read(buildId: string, offset: number, limit: number): Promise<{ offset: number; data: Buffer }[]>
}

/** Credentials imported for a source provider (ImportSourceCredentials); never handed to builds. */
export type SourceCredentialRecord = { serverType: string; authType: string; username?: string; tokenSealed: string; createdAt: Date }

export interface SecretStore {
  put(name: string, valueSealed: string, at: Date): Promise<void>
  get(name: string): Promise<string | undefined>
  list(): Promise<{ name: string; updatedAt: Date }[]>
  delete(name: string): Promise<boolean>
  /** False when the server type has credentials and `overwrite` is not set. */
  putSourceCredential(c: SourceCredentialRecord, overwrite: boolean): Promise<boolean>
  /** By server type. */
  sourceCredentials(): Promise<SourceCredentialRecord[]>
  deleteSourceCredential(serverType: string): Promise<boolean>
}

/** A test report of one build's report group. */
export type ReportRecord = {
  arn: string
  buildId: string
  reportGroupArn: string
  name: string
  type: 'TEST' | 'CODE_COVERAGE'
  status: 'SUCCEEDED' | 'FAILED' | 'INCOMPLETE'
  createdAt: Date
  summary: { total: number; statusCounts: Record<string, number>; durationInNanoSeconds: number }
  testCases: { name: string; prefix: string; status: string; durationInNanoSeconds: number; message?: string; testRawDataPath: string }[]
}

/** A CodeBuild report group (CreateReportGroup, or made by the first report a build sends to it). */
export type ReportGroupRecord = {
  arn: string
  name: string
  type: 'TEST' | 'CODE_COVERAGE'
  exportConfig: { exportConfigType?: 'S3' | 'NO_EXPORT'; s3Destination?: Record<string, unknown> }
  tags: { key?: string; value?: string }[]
  createdAt: Date
  lastModified: Date
}

export interface ReportStore {
  insert(report: ReportRecord): Promise<void>
  get(arn: string): Promise<ReportRecord | undefined>
  /** Newest first. */
  byGroup(reportGroupArn: string): Promise<ReportRecord[]>
  /** Every report, newest first. */
  list(): Promise<ReportRecord[]>
  /** False when a group with that ARN exists (it is kept). */
  insertGroup(g: ReportGroupRecord): Promise<boolean>
  saveGroup(g: ReportGroupRecord): Promise<void>
  group(arn: string): Promise<ReportGroupRecord | undefined>
  /** By name. */
  groups(): Promise<ReportGroupRecord[]>
  /** Removes the group and its reports; false when there was none. */
  deleteGroup(arn: string): Promise<boolean>
}
