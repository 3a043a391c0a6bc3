import type { Readable, Writable } from 'node:stream'

/** What a build's shell session needs: where things are on the host and how the session is set up. */
export type SessionSpec = {
  buildId: string
  image: string
  privileged: boolean
  /** Host directory holding the build's files: `src/` (primary source), `slipway/` (control files), … */
  workDir: string
  /** Host directories mounted at the same path inside the session (secondary sources, cache). */
  extraDirs: { hostPath: string; sessionPath: string }[]
  env: Record<string, string>
  /** `bash` or `sh` (buildspec `env.shell`); falls back to `sh` where bash is missing. */
  shell: 'bash' | 'sh'
}

/** Paths as the commands inside the session see them. */
export type SessionPaths = { srcDir: string; controlDir: string }

/**
 * One long-lived shell for a whole build (buildspec 0.2: `cd` and `export` carry over). The engine
 * writes shell text to `stdin`; `output` is stdout and stderr merged, in order.
 */
export interface ShellSession {
  readonly paths: SessionPaths
  readonly stdin: Writable
  readonly output: Readable
  /** Resolves with the shell's exit code when it ends (by itself or killed). */
  readonly exited: Promise<number>
  /** Kills everything the session runs. Idempotent. */
  kill(): Promise<void>
  /** Releases the session's resources (the container is always removed). Idempotent. */
  dispose(): Promise<void>
}

/** The session could not be provided (e.g. the image does not exist): the build fails in PROVISIONING. */
export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProvisioningError'
  }
}

/**
 * The `Executor` port: runs a build's shell somewhere. Contract: `start` resolves once the shell
 * accepts input or throws ProvisioningError; the session's processes never outlive `kill`/`dispose`;
 * `workDir` contents written inside the session are visible on the host afterwards (for artifacts).
 */
export interface Executor {
  readonly name: 'docker' | 'host'
  start(spec: SessionSpec): Promise<ShellSession>
  /** The images this executor has at hand (`repository:tag`), for ListCuratedEnvironmentImages. */
  images?(): Promise<string[]>
}

/** The bootstrap every session runs: merge stderr into stdout, then become the chosen shell reading stdin. */
export function bootstrapScript(shell: 'bash' | 'sh'): string {
  const wanted = shell === 'bash' ? 'if command -v bash >/dev/null 2>&1; then exec bash --noprofile --norc -s; fi; ' : ''
  return `exec 2>&1; ${wanted}exec sh -s`
}
