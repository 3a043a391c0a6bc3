import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { bootstrapScript, type Executor, type SessionSpec, type ShellSession } from './executor.ts'

/**
 * Runs the build's shell as a local process in the build's work dir (no isolation): for machines
 * without Docker and for `slipway build`. The shell leads its own process group so `kill` ends every
 * command it started.
 */
export class HostExecutor implements Executor {
  readonly name = 'host' as const

  async start(spec: SessionSpec): Promise<ShellSession> {
    const srcDir = path.join(spec.workDir, 'src')
    const controlDir = path.join(spec.workDir, 'slipway')
    fs.mkdirSync(srcDir, { recursive: true })
    fs.mkdirSync(controlDir, { recursive: true })
    const child = spawn('/bin/sh', ['-c', bootstrapScript(spec.shell)], {
      cwd: srcDir,
      env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    child.stdin.on('error', () => undefined)
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
