import fs from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import Docker from 'dockerode'
import { bootstrapScript, ProvisioningError, type Executor, type SessionSpec, type ShellSession } from './executor.ts'

/** Where the build's directories appear inside the container (the CodeBuild layout). */
export const CONTAINER_SRC_DIR = '/codebuild/output/src/src'
export const CONTAINER_CONTROL_DIR = '/codebuild/output/slipway'

/**
 * One container per build from the project's image (never pulled: a missing image fails PROVISIONING),
 * host networking (or none), the source and control dirs bind-mounted, privileged only when asked.
 * The container is removed in `dispose`, whatever happened.
 */
export class DockerExecutor implements Executor {
  readonly name = 'docker' as const
  readonly #docker: Docker
  readonly #network: 'host' | 'none'
  readonly #owner: string

  /** `owner` labels this process's containers, so servers sharing a Docker engine tell theirs apart. */
  constructor(options: { socketPath?: string; network?: 'host' | 'none'; owner?: string } = {}) {
    this.#docker = new Docker({ socketPath: options.socketPath ?? '/var/run/docker.sock' })
    this.#network = options.network ?? 'host'
    this.#owner = options.owner ?? 'slipway'
  }

  /** True when a Docker engine answers on the socket. */
  async available(): Promise<boolean> {
    try {
      await this.#docker.ping()
      return true
    } catch {
      return false
    }
  }

  /** Removes this owner's containers of builds that are no longer running (left by a crash). */
  async removeOrphans(isRunning: (buildId: string) => boolean): Promise<number> {
    const containers = await this.#docker.listContainers({ all: true, filters: { label: ['slipway.build', `slipway.owner=${this.#owner}`] } })
    let removed = 0
    for (const c of containers) {
      const id = c.Labels['slipway.build'] ?? ''
      if (isRunning(id)) continue
      await this.#docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)
      removed++
    }
    return removed
  }

  async start(spec: SessionSpec): Promise<ShellSession> {
    try {
      await this.#docker.getImage(spec.image).inspect()
    } catch {
      throw new ProvisioningError(`CLIENT_ERROR: Unable to find build image '${spec.image}' on this Docker engine. Slipway does not pull images; build or load it first (docker build / docker load / docker import).`)
    }
    const srcDir = path.join(spec.workDir, 'src')
    const controlDir = path.join(spec.workDir, 'slipway')
    fs.mkdirSync(srcDir, { recursive: true })
    fs.mkdirSync(controlDir, { recursive: true })
    const container = await this.#docker.createContainer({
      Image: spec.image,
      Cmd: ['/bin/sh', '-c', bootstrapScript(spec.shell)],
      Env: Object.entries({ ...spec.env, CODEBUILD_SRC_DIR: CONTAINER_SRC_DIR }).map(([k, v]) => `${k}=${v}`),
      WorkingDir: CONTAINER_SRC_DIR,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Labels: { 'slipway.build': spec.buildId, 'slipway.owner': this.#owner },
      HostConfig: {
        NetworkMode: this.#network,
        Privileged: spec.privileged,
        Binds: [`${srcDir}:${CONTAINER_SRC_DIR}`, `${controlDir}:${CONTAINER_CONTROL_DIR}`, ...spec.extraDirs.map((d) => `${d.hostPath}:${d.sessionPath}`)],
      },
    })
    let removed = false
    const dispose = async () => {
      if (removed) return
      removed = true
      await container.remove({ force: true }).catch(() => undefined)
    }
    try {
      const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })
      const output = new PassThrough()
      container.modem.demuxStream(stream, output, output)
      stream.on('end', () => output.end())
      await container.start()
      const exited = container.wait().then((r: { StatusCode: number }) => r.StatusCode, () => 137)
      const stdin = new PassThrough()
      stdin.pipe(stream)
      stdin.on('finish', () => {
        // Half-close so the shell sees EOF on stdin and exits.
        ;(stream as unknown as { end(): void }).end()
      })
      return {
        paths: { srcDir: CONTAINER_SRC_DIR, controlDir: CONTAINER_CONTROL_DIR },
        stdin,
        output,
        exited,
        kill: async () => {
          await container.kill({ signal: 'SIGKILL' }).catch(() => undefined)
        },
        dispose,
      }
    } catch (err) {
      await dispose()
      throw new ProvisioningError(`CLIENT_ERROR: could not start the build container: ${(err as Error).message}`)
    }
  }
}
