import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { bootstrapScript, type Executor, type SessionSpec, type ShellSession } from './executor.ts'

/** What a build without privileged mode finds as its Docker engine: nothing (the path says why). */
export const NO_ENGINE_DOCKER_HOST = 'unix:///run/slipway/privileged-mode-is-off/docker.sock'

/**
 * Runs the build's shell as a local process in the build's work dir (no isolation): for machines
 * without Docker and for `slipway build`. The shell leads its own process group so `kill` ends every
 * command it started. A privileged build uses the host's Docker engine (DOCKER_HOST as the runner
 * has it); one without privilege has DOCKER_HOST pointed at no engine, as on CodeBuild (a guard
 * against mistakes, not isolation: the host executor has none). Docker's client configuration
 * (`docker login`) is the build's own, in its work dir.
 */
export class HostExecutor implements Executor {
  readonly name = 'host' as const

  /**
   * Kills the process groups of sessions a crashed server left behind (their work dirs are under
   * `workRoot`, each with `slipway/session.pid`) and removes those work dirs.
   */
  removeOrphans(workRoot: string, isRunning: (workDirName: string) => boolean): number {
    if (!fs.existsSync(workRoot)) return 0
    let removed = 0
    for (const name of fs.readdirSync(workRoot)) {
      if (isRunning(name)) continue
      const pidFile = path.join(workRoot, name, 'slipway', 'session.pid')
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : NaN
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      fs.rmSync(path.join(workRoot, name), { recursive: true, force: true })
      removed++
    }
    return removed
  }

  async start(spec: SessionSpec): Promise<ShellSession> {
    const srcDir = path.join(spec.workDir, 'src')
    const controlDir = path.join(spec.workDir, 'slipway')
    fs.mkdirSync(srcDir, { recursive: true })
    fs.mkdirSync(controlDir, { recursive: true })
    const child = spawn('/bin/sh', ['-c', bootstrapScript(spec.shell)], {
      cwd: srcDir,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        DOCKER_CONFIG: path.join(controlDir, 'docker'),
        ...(spec.privileged ? (process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) : { DOCKER_HOST: NO_ENGINE_DOCKER_HOST }),
        ...spec.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    child.stdin.on('error', () => undefined)
    if (child.pid !== undefined) fs.writeFileSync(path.join(controlDir, 'session.pid'), String(child.pid))
    child.stderr.resume()
    const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1))))
    // Signal the whole process group, also after the shell itself ended (background jobs).
    const kill = async () => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // nothing left in the group
      }
    }
    return {
      paths: { srcDir, controlDir },
      stdin: child.stdin,
      output: child.stdout,
      exited,
      kill,
      dispose: kill,
    }
  }
}
