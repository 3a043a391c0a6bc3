/**
 * The runner protocol: how a build runner (`slipway runner`, and the server's own in `slipway up`)
 * talks to the server — JSON POSTs under `/runner/v1/`, SigV4-signed (service `codebuild`) with a
 * runner key. Woodpecker's peer shape: register, next (long-poll for work), wait (renews the lease,
 * long-polls for a stop), update, log, secret, report, done. See docs/runners.md.
 */
import type { BuildRecord, PhaseRecord, ReportRecord, StopReason } from '../records.ts'
import type { RunnerLabels } from '../model/runner-match.ts'

export const RUNNER_RPC_PATH = '/runner/v1'
export const RUNNER_PROTOCOL_VERSION = 1
/** The SigV4 signing name of runner calls. */
export const RUNNER_SIGNING_SERVICE = 'codebuild'
/** The principal of a runner key: `runner:<name>`; such a key can do nothing but run builds. */
export const runnerPrincipal = (name: string) => `runner:${name}`
export const isRunnerPrincipal = (principal: string) => principal.startsWith('runner:')
export const RUNNER_NAME = /^[\w.@-]{1,64}$/

/** `images`: the images the runner has locally (older runners send none). */
export type RegisterRequest = { name: string; labels: RunnerLabels; capacity: number; executor: string; version: string; images?: string[] }
export type RegisterResponse = { runnerId: string; leaseMs: number; protocol: number }

/** Asks for up to `slots` builds, waiting up to `waitMs` for one to be queued. */
export type NextRequest = { runnerId: string; slots: number; waitMs: number }
export type NextResponse = { assignments: WireAssignment[] }

/** One build handed to a runner: the build, and the key it runs with (revoked when it ends). */
export type Assignment = {
  jobId: string
  build: BuildRecord
  credentials: { accessKeyId: string; secretAccessKey: string }
  region: string
  accountId: string
}
export type WireAssignment = Omit<Assignment, 'build'> & { build: WireBuild }

/** Renews the lease of `jobId`, then waits up to `waitMs` for a reason to stop. */
export type WaitRequest = { runnerId: string; jobId: string; waitMs: number }
/** `LOST`: the runner no longer holds the build (its lease lapsed and another server ended it). */
export type WaitResponse = { stop?: StopReason | 'LOST' }

export type UpdateRequest = { runnerId: string; jobId: string; build: WireBuild }
export type SecretRequest = { runnerId: string; jobId: string; type: 'PARAMETER_STORE' | 'SECRETS_MANAGER'; reference: string }
export type SecretResponse = { value: string }
export type ReportRequest = { runnerId: string; jobId: string; report: WireReport }
/** `log?runnerId=…&jobId=…&offset=N` with the bytes as the body; answers the log's size after it. */
export type LogResponse = { size: number }

/** Error codes of the protocol (`__type` of an error answer). */
export const RUNNER_ERRORS = {
  /** The runner no longer holds this build: stop working on it, report nothing more. */
  claimLost: 'ClaimLostException',
  unknownRunner: 'UnknownRunnerException',
  missingSecret: 'ParameterNotFound',
} as const

type WirePhase = Omit<PhaseRecord, 'startTime' | 'endTime'> & { startTime: number; endTime?: number }
export type WireBuild = Omit<BuildRecord, 'startTime' | 'endTime' | 'phases'> & { startTime: number; endTime?: number; phases: WirePhase[] }
export type WireReport = Omit<ReportRecord, 'createdAt'> & { createdAt: number }

export function buildToWire(b: BuildRecord): WireBuild {
  return {
    ...b,
    startTime: b.startTime.getTime(),
    endTime: b.endTime?.getTime(),
    phases: b.phases.map((p) => ({ ...p, startTime: p.startTime.getTime(), endTime: p.endTime?.getTime() })),
  }
}

export function buildFromWire(w: WireBuild): BuildRecord {
  return {
    ...w,
    startTime: new Date(w.startTime),
    endTime: w.endTime === undefined ? undefined : new Date(w.endTime),
    phases: w.phases.map((p) => ({ ...p, startTime: new Date(p.startTime), endTime: p.endTime === undefined ? undefined : new Date(p.endTime) })),
  }
}

export const reportToWire = (r: ReportRecord): WireReport => ({ ...r, createdAt: r.createdAt.getTime() })
export const reportFromWire = (w: WireReport): ReportRecord => ({ ...w, createdAt: new Date(w.createdAt) })

/**
 * What a runner reports of a build, laid over the stored build: its progress and outcome only. The
 * build's settings, identity and stop flag stay the server's, whatever the runner sends.
 */
export function progressOf(stored: BuildRecord, reported: BuildRecord): BuildRecord {
  return {
    ...stored,
    status: reported.status,
    currentPhase: reported.currentPhase,
    endTime: reported.endTime,
    phases: reported.phases,
    resolvedSourceVersion: reported.resolvedSourceVersion,
    exportedVariables: reported.exportedVariables,
    artifacts: reported.artifacts,
    secondaryArtifacts: reported.secondaryArtifacts,
    reportArns: reported.reportArns,
  }
}
