import type { StatusType } from '../../protocol/models/codebuild.types.ts'
import type { BuildRecord } from '../records.ts'
import type { BuildLog } from './build-log.ts'

export type Context = { statusCode: string; message: string }

/** Records phase starts and ends on a build record (and in its log), CodeBuild style. */
export class PhaseRecorder {
  readonly build: BuildRecord
  readonly #log: BuildLog
  readonly #now: () => Date

  readonly #onBegin: () => void

  /** `onBegin` runs after a phase starts (so readers see the current phase while it runs). */
  constructor(build: BuildRecord, log: BuildLog, now: () => Date, onBegin: () => void = () => undefined) {
    this.build = build
    this.#log = log
    this.#now = now
    this.#onBegin = onBegin
  }

  begin(phaseType: string): void {
    this.build.currentPhase = phaseType
    this.build.phases.push({ phaseType, startTime: this.#now() })
    this.#log.line(this.#now(), `Entering phase ${phaseType}`)
    this.#onBegin()
  }

  end(status: StatusType, context?: Context): void {
    const phase = this.build.phases.at(-1)
    if (!phase || phase.endTime) return
    phase.phaseStatus = status
    phase.endTime = this.#now()
    if (context) phase.contexts = [context]
    this.#log.line(this.#now(), `Phase complete: ${phase.phaseType} State: ${status}`)
    this.#log.line(this.#now(), `Phase context status code: ${context?.statusCode ?? ''} Message: ${context?.message ?? ''}`)
  }

  /** Ends the open phase (if any) with `status`. */
  endOpen(status: StatusType, context?: Context): void {
    if (this.build.phases.at(-1)?.endTime === undefined) this.end(status, context)
  }

  /** Outcomes of the phases that finished (IN_PROGRESS never counts). */
  outcomes(): Exclude<StatusType, 'IN_PROGRESS'>[] {
    return this.build.phases.map((p) => p.phaseStatus).filter((s): s is Exclude<StatusType, 'IN_PROGRESS'> => s !== undefined && s !== 'IN_PROGRESS')
  }
}
