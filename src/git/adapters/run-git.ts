/**
 * The one place that spawns the git binary. No shell is ever involved: arguments are an argv array and
 * the environment is built from scratch, so neither user nor system configuration, nor the server's own
 * environment, can change what git does.
 */
import { spawn } from 'node:child_process'
import { GitObjectNotFound } from '../ports.ts'

/** Options of one git invocation. */
export type RunOptions = {
  /** Bytes (or UTF-8 text) written to git's stdin, which is then closed. */
  input?: Uint8Array | string
  /** Extra environment variables (on top of the clean base environment). */
  env?: Record<string, string>
  /** Exit codes that are not failures; default `[0]`. */
  okCodes?: readonly number[]
}

/** What a finished git process produced. */
export type GitResult = { stdout: Buffer; stderr: string; code: number }

/** Runs git for one repository; `args` start with the git subcommand. */
export type GitRunner = (args: readonly string[], options?: RunOptions) => Promise<GitResult>

/** Settings shared by every invocation. */
export type GitProcessSettings = {
  /** Path or name of the git executable; default `git` looked up on the inherited PATH. */
  binary: string
  /** Kill git after this many milliseconds. */
  timeoutMs: number
  /** Kill git when stdout grows beyond this many bytes. */
  maxOutputBytes: number
}

/** A git process that exited with an unexpected code (an environment problem or a bug, never user input). */
export class GitCommandError extends Error {
  readonly code: number
  readonly stderr: string
  constructor(subcommand: string, code: number, stderr: string) {
    super(`git ${subcommand} exited with ${code}: ${stderr.trim().slice(0, 500)}`)
    this.name = 'GitCommandError'
    this.code = code
    this.stderr = stderr
  }
}

export const defaultGitProcessSettings: GitProcessSettings = {
  binary: 'git',
  timeoutMs: 120_000,
  maxOutputBytes: 256 * 1024 * 1024,
}

const MAX_STDERR = 64 * 1024

/**
 * The environment git runs with: nothing inherited except PATH; no system or global config, no
 * terminal prompts, C locale (stable messages), literal pathspecs (no `:(glob)` magic or wildcards in
 * user paths) and no replace objects (a `refs/replace/*` ref cannot disguise an object).
 */
export function cleanGitEnv(extra?: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
    LANG: 'C',
    ...extra,
  }
}

/**
 * Runs `git [--git-dir=<repoPath>] <args...>` and collects its output. Throws `GitObjectNotFound` when
 * the repository does not exist, `GitCommandError` for an exit code outside `okCodes`, and a plain Error
 * on timeout or oversized output.
 */
export function runGit(
  settings: GitProcessSettings,
  repoPath: string | null,
  args: readonly string[],
  options: RunOptions = {},
): Promise<GitResult> {
  const argv = repoPath === null ? [...args] : [`--git-dir=${repoPath}`, ...args]
  const subcommand = args[0] ?? ''
  return new Promise((resolve, reject) => {
    const child = spawn(settings.binary, argv, {
      env: cleanGitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    })
    const chunks: Buffer[] = []
    let outBytes = 0
    let stderr = ''
    let failure: Error | null = null
    const fail = (error: Error): void => {
      failure ??= error
      child.kill('SIGKILL')
    }
    const timer = setTimeout(() => fail(new Error(`git ${subcommand} timed out after ${settings.timeoutMs} ms`)), settings.timeoutMs)

    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length
      if (outBytes > settings.maxOutputBytes) fail(new Error(`git ${subcommand} output exceeds ${settings.maxOutputBytes} bytes`))
      else chunks.push(chunk)
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (text: string) => {
      if (stderr.length < MAX_STDERR) stderr += text
    })
    // git may exit before reading all of stdin (e.g. on a bad object); EPIPE is then expected.
    child.stdin.on('error', () => {})
    child.on('error', (error) => fail(error))
    child.on('close', (code) => {
      clearTimeout(timer)
      if (failure) return reject(failure)
      const exit = code ?? -1
      if (exit !== 0 && /not a git repository/.test(stderr)) return reject(new GitObjectNotFound('repository'))
      if (!(options.okCodes ?? [0]).includes(exit)) return reject(new GitCommandError(subcommand, exit, stderr))
      resolve({ stdout: Buffer.concat(chunks), stderr, code: exit })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** stdout as text without the trailing newline git prints after single-value answers. */
export function firstLine(result: GitResult): string {
  const text = result.stdout.toString('utf8')
  const end = text.indexOf('\n')
  return end === -1 ? text : text.slice(0, end)
}
