/**
 * What the agent reports about one lifecycle event: the codedeploy-agent's error codes, the failure
 * it raises, and the ≈2 KB tail of script output that goes into the diagnostics payload.
 */
import { LOG_TAIL_LIMIT } from '../deploy/model/lifecycle.ts'

/** The codedeploy-agent's `error_code` values (`ScriptError` constants). */
export const ErrorCode = {
  Succeeded: 0,
  ScriptMissing: 1,
  ScriptNotExecutable: 2,
  ScriptTimedOut: 3,
  ScriptFailed: 4,
  UnknownError: 5,
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** The JSON object sent (stringified) as `Diagnostics.Payload` of `PutHostCommandComplete`. */
export type DiagnosticsPayload = { error_code: ErrorCode; script_name: string; message: string; log: string }

/** A lifecycle event failed. `message` is what the user sees in the deployment's diagnostics. */
export class EventFailure extends Error {
  readonly code: ErrorCode
  readonly scriptName: string
  constructor(code: ErrorCode, message: string, scriptName = '') {
    super(message)
    this.name = 'EventFailure'
    this.code = code
    this.scriptName = scriptName
  }
}

const TAIL_BYTES = LOG_TAIL_LIMIT

/** Keeps the last ≈2 KB of what scripts printed (whole entries, like the codedeploy-agent's ScriptLog). */
export class LogTail {
  #entries: string[] = []
  #size = 0

  append(entry: string): void {
    this.#entries.push(entry)
    this.#size += entry.length
    while (this.#entries.length > 1 && this.#size > TAIL_BYTES) this.#size -= this.#entries.shift()?.length ?? 0
  }

  text(): string {
    const all = this.#entries.join('')
    return all.length > TAIL_BYTES ? all.slice(all.length - TAIL_BYTES) : all
  }
}

/** The payload for an outcome: success, or the failure (any thrown value becomes UnknownError). */
export function diagnosticsFor(error: unknown, log: string): DiagnosticsPayload {
  if (error === undefined) return { error_code: ErrorCode.Succeeded, script_name: '', message: 'Succeeded', log }
  if (error instanceof EventFailure) return { error_code: error.code, script_name: error.scriptName, message: error.message, log }
  const message = error instanceof Error ? error.message : String(error)
  return { error_code: ErrorCode.UnknownError, script_name: '', message, log }
}
