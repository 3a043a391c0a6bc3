/**
 * Runs one hook script as its own process group, with an argv array (never a shell command line built
 * from user strings), a timeout that kills the whole group (TERM, then KILL), and its output split
 * into lines for the scripts log.
 */
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'

export type ScriptLine = { stream: 'stdout' | 'stderr'; line: string }

export type RunScriptOptions = {
  /** Executable and arguments, exactly as passed to exec. */
  argv: [string, ...string[]]
  env: NodeJS.ProcessEnv
  timeoutSeconds: number
  onLine: (line: ScriptLine) => void
  /** Aborting kills the process group (the agent is stopping). */
  signal?: AbortSignal
  /** Time between TERM and KILL for the group. Default 5 s. */
  killGraceMs?: number
  /**
   * How long to keep reading stdout/stderr after the script exited, for output its children still
   * write. A background process started by the script may hold the pipes forever: after this the
   * agent stops waiting (the pipes are drained and discarded, never closed under it). Default 1 s.
   */
  outputGraceMs?: number
}

export type ScriptResult = {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  aborted: boolean
  /** Set when the script could not be started at all (ENOENT, EACCES, …). */
  spawnError?: Error
}

function lineSplitter(stream: 'stdout' | 'stderr', onLine: (l: ScriptLine) => void) {
  let partial = ''
  return {
    push(chunk: Buffer) {
      const text = partial + chunk.toString('utf8')
      const lines = text.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) onLine({ stream, line })
    },
    flush() {
      if (partial !== '') onLine({ stream, line: partial })
      partial = ''
    },
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

export function runScript(opts: RunScriptOptions): Promise<ScriptResult> {
  const [file, ...args] = opts.argv
  const killGraceMs = opts.killGraceMs ?? 5000
  const outputGraceMs = opts.outputGraceMs ?? 1000
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(file, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    } catch (err) {
      resolve({ exitCode: null, signal: null, timedOut: false, aborted: false, spawnError: err as Error })
      return
    }
    let timedOut = false
    let aborted = false
    let settled = false
    let killTimer: NodeJS.Timeout | undefined
    const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null)
    const splitters = [lineSplitter('stdout', opts.onLine), lineSplitter('stderr', opts.onLine)]
    let open = streams.length
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let graceTimer: NodeJS.Timeout | undefined

    const terminate = () => {
      killGroup(child.pid, 'SIGTERM')
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), killGraceMs)
      killTimer.unref()
    }
    const timer = setTimeout(() => {
      timedOut = true
      terminate()
    }, opts.timeoutSeconds * 1000)
    const onAbort = () => {
      aborted = true
      terminate()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    if (opts.signal?.aborted) onAbort()

    const finish = (spawnError?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (graceTimer) clearTimeout(graceTimer)
      opts.signal?.removeEventListener('abort', onAbort)
      splitters.forEach((s) => s.flush())
      for (const s of streams) {
        // Keep draining whatever a leftover background process writes, without holding the agent up.
        s.removeAllListeners('data')
        s.on('data', () => {})
        s.on('error', () => {})
        ;(s as Readable & { unref?: () => void }).unref?.()
      }
      if (killTimer && !timedOut && !aborted) clearTimeout(killTimer)
      resolve({ exitCode: exit?.code ?? null, signal: exit?.signal ?? null, timedOut, aborted, ...(spawnError ? { spawnError } : {}) })
    }

    streams.forEach((s, i) => {
      s.on('data', (chunk: Buffer) => splitters[i]?.push(chunk))
      s.on('end', () => {
        open -= 1
        if (open === 0 && exit) finish()
      })
      s.on('error', () => {})
    })
    child.on('error', (err) => finish(err))
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      if (open === 0) finish()
      else graceTimer = setTimeout(() => finish(), outputGraceMs)
    })
  })
}
