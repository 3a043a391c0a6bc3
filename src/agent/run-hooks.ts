/**
 * Runs the scripts an appspec lists for one lifecycle event, in order, as the codedeploy-agent's
 * HookExecutor does: missing script → ScriptMissing, not executable and cannot be made so →
 * ScriptNotExecutable, over its timeout → ScriptTimedOut (process group killed), non-zero exit →
 * ScriptFailed. Output goes to `logs/scripts.log` with `[stdout]`/`[stderr]` prefixes and into the
 * event's log tail.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ErrorCode, EventFailure } from './diagnostics.ts'
import type { LogTail } from './diagnostics.ts'
import { runScript } from './run-script.ts'
import type { HookScript } from '../deploy/model/appspec.ts'

export type RunHooksOptions = {
  event: string
  scripts: readonly HookScript[]
  /** The `deployment-archive` dir the scripts' locations are relative to. */
  archiveDir: string
  /** `<deployment dir>/logs/scripts.log` */
  scriptLog: string
  /** Added to the agent's own environment. */
  env: Record<string, string>
  tail: LogTail
  signal?: AbortSignal
  /** Told which script is running (for heartbeats). */
  onScript?: (location: string) => void
  killGraceMs?: number
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/

function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`
}

/** Resolves a script location inside the archive; `undefined` when it would point outside. */
export function scriptPath(archiveDir: string, location: string): string | undefined {
  const root = path.resolve(archiveDir)
  const resolved = path.resolve(root, location.replace(/^\/+/, ''))
  if (resolved === root || !resolved.startsWith(root + path.sep)) return undefined
  try {
    const real = fs.realpathSync(resolved)
    const realRoot = fs.realpathSync(root)
    if (!real.startsWith(realRoot + path.sep)) return undefined
  } catch {
    // Missing: reported as ScriptMissing by the caller.
  }
  return resolved
}

/** The argv for a script, per `runas`/`sudo` (file-formats §2.1), without any shell interpolation. */
export function scriptArgv(script: HookScript, file: string): [string, ...string[]] {
  if (script.runas !== undefined) {
    // `su` hands the trailing argument to the shell as $0: the path is never parsed by the shell.
    const su: [string, ...string[]] = ['su', '-s', '/bin/sh', '-c', 'exec "$0"', script.runas, file]
    return script.sudo ? ['sudo', ...su] : su
  }
  return script.sudo ? ['sudo', file] : [file]
}

export async function runHooks(opts: RunHooksOptions): Promise<void> {
  if (opts.scripts.length === 0) return
  fs.mkdirSync(path.dirname(opts.scriptLog), { recursive: true })
  const log = fs.openSync(opts.scriptLog, 'a')
  const write = (entry: string) => {
    opts.tail.append(entry)
    fs.writeSync(log, `${stamp(new Date())} ${entry}`)
  }
  try {
    write(`LifecycleEvent - ${opts.event}\n`)
    for (const script of opts.scripts) {
      const location = script.location
      opts.onScript?.(location)
      const file = scriptPath(opts.archiveDir, location)
      if (file === undefined) throw new EventFailure(ErrorCode.ScriptMissing, `Script location points outside the deployment archive: ${location}`, location)
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        throw new EventFailure(ErrorCode.ScriptMissing, `Script does not exist at specified location: ${location}`, location)
      }
      if ((fs.statSync(file).mode & 0o111) === 0) {
        try {
          fs.chmodSync(file, fs.statSync(file).mode | 0o111)
        } catch {
          throw new EventFailure(ErrorCode.ScriptNotExecutable, `Unable to set script at specified location: ${location} as executable`, location)
        }
      }
      if (script.runas !== undefined && !USER_NAME.test(script.runas)) {
        throw new EventFailure(ErrorCode.ScriptFailed, `Script at specified location: ${location} names an invalid runas user '${script.runas}'`, location)
      }
      write(`Script - ${location}\n`)
      const result = await runScript({
        argv: scriptArgv(script, file),
        env: { ...process.env, ...opts.env },
        timeoutSeconds: script.timeout,
        onLine: ({ stream, line }) => write(`[${stream}]${line}\n`),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      })
      if (result.aborted) throw new EventFailure(ErrorCode.UnknownError, `Script at specified location: ${location} was stopped before it finished`, location)
      if (result.timedOut) {
        throw new EventFailure(ErrorCode.ScriptTimedOut, `Script at specified location: ${location} failed to complete in ${script.timeout} seconds`, location)
      }
      if (result.spawnError) {
        const code = (result.spawnError as NodeJS.ErrnoException).code
        if (code === 'EACCES') throw new EventFailure(ErrorCode.ScriptNotExecutable, `Script at specified location: ${location} could not be executed: ${result.spawnError.message}`, location)
        throw new EventFailure(ErrorCode.ScriptFailed, `Script at specified location: ${location} could not be started: ${result.spawnError.message}`, location)
      }
      if (result.exitCode !== 0) {
        const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `failed with exit code ${result.exitCode}`
        const who = script.runas !== undefined ? ` run as user ${script.runas}` : ''
        throw new EventFailure(ErrorCode.ScriptFailed, `Script at specified location: ${location}${who} ${how}`, location)
      }
    }
  } finally {
    fs.closeSync(log)
  }
}
