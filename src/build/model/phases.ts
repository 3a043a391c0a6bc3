/**
 * The build phase state machine as pure functions (semantics §2.1, file-formats §1.4).
 *
 * `SUBMITTED → QUEUED → PROVISIONING → DOWNLOAD_SOURCE → INSTALL → PRE_BUILD → BUILD → POST_BUILD
 *  → UPLOAD_ARTIFACTS → FINALIZING → COMPLETED` when every phase succeeds. After a phase that did
 * not succeed, `nextPhase` says where the build goes; `buildStatusOf` gives the final status.
 * `COMPLETED` is the terminal marker: it has no outcome, and `nextPhase` keeps a build there.
 */
import type { OnFailure } from './buildspec-types.ts'

export const BUILD_PHASE_TYPES = [
  'SUBMITTED',
  'QUEUED',
  'PROVISIONING',
  'DOWNLOAD_SOURCE',
  'INSTALL',
  'PRE_BUILD',
  'BUILD',
  'POST_BUILD',
  'UPLOAD_ARTIFACTS',
  'FINALIZING',
  'COMPLETED',
] as const
export type BuildPhaseType = (typeof BUILD_PHASE_TYPES)[number]

/** How a finished phase ended (`Build.phases[].phaseStatus` minus `IN_PROGRESS`). */
export const PHASE_OUTCOMES = ['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED'] as const
export type PhaseOutcome = (typeof PHASE_OUTCOMES)[number]

/** A completed build's `buildStatus`. */
export type BuildStatus = PhaseOutcome

/** The phases that run buildspec commands; only these honour `on-failure`. */
export const COMMAND_PHASES: readonly BuildPhaseType[] = ['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD']

/** Phases before any container exists: a build that ends there has nothing to finalize. */
const BEFORE_PROVISIONING: readonly BuildPhaseType[] = ['SUBMITTED', 'QUEUED']

/** The phase after `phase` when it succeeds (`COMPLETED` stays `COMPLETED`). */
export function successorOf(phase: BuildPhaseType): BuildPhaseType {
  return BUILD_PHASE_TYPES[BUILD_PHASE_TYPES.indexOf(phase) + 1] ?? 'COMPLETED'
}

/**
 * The next phase to run after `current` ended with `outcome` (`COMPLETED` is absorbing).
 *
 * - `SUCCEEDED` → the successor.
 * - `FAILED` (a command or step failed):
 *   - `SUBMITTED`/`QUEUED` → `COMPLETED` (nothing was provisioned, so there is nothing to finalize);
 *   - `PROVISIONING`, `DOWNLOAD_SOURCE`, `UPLOAD_ARTIFACTS` → `FINALIZING`;
 *   - `INSTALL`, `PRE_BUILD` → `FINALIZING` (post_build and upload are skipped);
 *   - `BUILD` → `POST_BUILD`; `POST_BUILD` → `UPLOAD_ARTIFACTS`;
 *   - `FINALIZING` → `COMPLETED`;
 *   - in a command phase, `on-failure: ABORT` → `FINALIZING` at once, `CONTINUE` → the successor
 *     as if it had succeeded (the build still ends `FAILED`: see `buildStatusOf`).
 * - `FAULT` (service-side error), `TIMED_OUT`, `STOPPED`: the build ends: → `FINALIZING`
 *   (`COMPLETED` from `SUBMITTED`/`QUEUED`/`FINALIZING`); `on-failure` does not apply.
 */
export function nextPhase(current: BuildPhaseType, outcome: PhaseOutcome, onFailure?: OnFailure): BuildPhaseType {
  if (current === 'COMPLETED') return 'COMPLETED'
  if (outcome === 'SUCCEEDED') return successorOf(current)
  if (BEFORE_PROVISIONING.includes(current) || current === 'FINALIZING') return 'COMPLETED'
  if (outcome !== 'FAILED') return 'FINALIZING'
  if (COMMAND_PHASES.includes(current) && onFailure === 'ABORT') return 'FINALIZING'
  if (COMMAND_PHASES.includes(current) && onFailure === 'CONTINUE') return successorOf(current)
  switch (current) {
    case 'BUILD':
      return 'POST_BUILD'
    case 'POST_BUILD':
      return 'UPLOAD_ARTIFACTS'
    default:
      return 'FINALIZING'
  }
}

/**
 * A completed build's `buildStatus` from the outcomes of the phases that ran (in any order). The
 * most severe outcome wins: `STOPPED` > `TIMED_OUT` > `FAULT` > `FAILED` > `SUCCEEDED` — a stop or
 * timeout ends the build whatever failed before it; a failure under `on-failure: CONTINUE` still
 * makes the build `FAILED`. `IN_PROGRESS` entries (a phase record not yet ended) are ignored, so
 * `Build.phases[].phaseStatus` can be passed as is. No outcomes → `SUCCEEDED`.
 */
export function buildStatusOf(outcomes: Iterable<PhaseOutcome | 'IN_PROGRESS'>): BuildStatus {
  let worst = 0
  for (const outcome of outcomes) if (outcome !== 'IN_PROGRESS') worst = Math.max(worst, SEVERITY.indexOf(outcome))
  return SEVERITY[worst] ?? 'SUCCEEDED'
}
const SEVERITY: readonly BuildStatus[] = ['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']

/** `CODEBUILD_BUILD_SUCCEEDING`: `'1'` while no phase has failed (or faulted), `'0'` after. */
export function buildSucceedingFlag(outcomes: Iterable<PhaseOutcome | 'IN_PROGRESS'>): '0' | '1' {
  return buildStatusOf(outcomes) === 'SUCCEEDED' ? '1' : '0'
}
