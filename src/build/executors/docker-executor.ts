import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import Docker from 'dockerode'
import { bootstrapScript, ProvisioningError, type Executor, type SessionSpec, type ShellSession } from './executor.ts'

/** Where the build's directories appear inside the container (the CodeBuild layout). */
export const CONTAINER_SRC_DIR = '/codebuild/output/src/src'
export const CONTAINER_CONTROL_DIR = '/codebuild/output/slipway'
/** A warm container has one mount, made before its build is known: the build's whole work dir. */
const WARM_WORK_DIR = '/codebuild/output/src'
const WARM_CONTROL_DIR = `${WARM_WORK_DIR}/slipway`

/** A started container whose shell waits on stdin. */
type Live = { container: Docker.Container; stream: NodeJS.ReadWriteStream; output: PassThrough; exited: Promise<number> }
type Warm = Live & { slot: string; imageId: string; alive: boolean }
/** Warm containers are kept for this many images (and shells) at most; the least recently used go. */
const MAX_WARM_IMAGES = 4

export type DockerExecutorOptions = {
  socketPath?: string
  network?: 'host' | 'none'
  /** Labels this process's containers, so runners sharing a Docker engine tell theirs apart. */
  owner?: string
  /** Containers kept started and waiting per image (and shell), so a build skips creating one. */
  warm?: number
  /** Where warm containers' work dirs wait (on the same filesystem as the builds' work dirs). */
  poolDir?: string
}

/** Where a privileged build's container finds the runner's Docker engine. */
export const CONTAINER_DOCKER_SOCKET = '/var/run/docker.sock'

/**
 * One container per build from the project's image (never pulled: a missing image fails PROVISIONING),
 * host networking (or none), the source and control dirs bind-mounted, privileged only when asked.
 * A privileged build gets the runner's Docker engine (its socket at /var/run/docker.sock): its
 * `docker build|push|run` use the runner's engine and image cache, so a privileged build is as
 * trusted as root on the runner (docs/registry.md). The container itself is not started with
 * Docker's --privileged (what that would add, the engine already gives: `docker run --privileged`;
 * and engines in unprivileged sandboxes refuse it). A build without privilege gets no engine.
 * The container is removed in `dispose`, whatever happened.
 */
export class DockerExecutor implements Executor {
  readonly name = 'docker' as const
  readonly #docker: Docker
  readonly #socketPath: string
  readonly #network: 'host' | 'none'
  readonly #owner: string
  readonly #warm: number
  readonly #poolDir: string | undefined
  readonly #pool = new Map<string, Warm[]>()
  readonly #filling = new Map<string, number>()
  readonly #preparing = new Set<Promise<void>>()
  #closed = false

  constructor(options: DockerExecutorOptions = {}) {
    this.#socketPath = options.socketPath ?? '/var/run/docker.sock'
    this.#docker = new Docker({ socketPath: this.#socketPath })
    this.#network = options.network ?? 'host'
    this.#owner = options.owner ?? 'slipway'
    this.#warm = options.poolDir ? (options.warm ?? 0) : 0
    this.#poolDir = options.poolDir
  }

  /** Warm containers waiting now, over all images. */
  get warmCount(): number {
    return [...this.#pool.values()].reduce((n, list) => n + list.length, 0)
  }

  /** Removes the warm containers; later builds start cold. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#preparing])
    const all = [...this.#pool.values()].flat()
    this.#pool.clear()
    await Promise.all(all.map((w) => this.#discard(w)))
  }

  /** The engine's tagged images (`repository:tag`), at most 1000. */
  async images(): Promise<string[]> {
    const listed = await this.#docker.listImages()
    return listed.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== '<none>:<none>' && t.length <= 256).sort().slice(0, 1000)
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
    // A warm container fits a build that needs no mount beyond its work dir and no privilege.
    const key = `${spec.image}\u0000${spec.shell}`
    const eligible = this.#warm > 0 && !spec.privileged && spec.extraDirs.length === 0
    let imageId: string
    try {
      imageId = (await this.#docker.getImage(spec.image).inspect()).Id
    } catch {
      throw new ProvisioningError(`CLIENT_ERROR: Unable to find build image '${spec.image}' on this Docker engine. Slipway does not pull images; build or load it first (docker build / docker load / docker import).`)
    }
    if (eligible) {
      // Only a live container of the tag's current image will do (the tag may have been rebuilt).
      for (let warm = this.#pool.get(key)?.shift(); warm; warm = this.#pool.get(key)?.shift()) {
        if (warm.alive && warm.imageId === imageId) {
          try {
            const session = this.#takeWarm(warm, spec)
            this.#fill(key, spec.image, spec.shell)
            return session
          } catch {
            // fall through to the next, or a cold start
          }
        }
        void this.#discard(warm)
      }
      this.#fill(key, spec.image, spec.shell)
    }
    const srcDir = path.join(spec.workDir, 'src')
    const controlDir = path.join(spec.workDir, 'slipway')
    fs.mkdirSync(srcDir, { recursive: true })
    fs.mkdirSync(controlDir, { recursive: true })
    const live = await this.#launch(spec.image, spec.shell, spec.buildId, {
      env: { ...spec.env, CODEBUILD_SRC_DIR: CONTAINER_SRC_DIR },
      workingDir: CONTAINER_SRC_DIR,
      binds: [
        `${srcDir}:${CONTAINER_SRC_DIR}`,
        `${controlDir}:${CONTAINER_CONTROL_DIR}`,
        ...spec.extraDirs.map((d) => `${d.hostPath}:${d.sessionPath}`),
        ...(spec.privileged ? [`${this.#socketPath}:${CONTAINER_DOCKER_SOCKET}`] : []),
      ],
    })
    return this.#session(live, { srcDir: CONTAINER_SRC_DIR, controlDir: CONTAINER_CONTROL_DIR })
  }

  /**
   * A warm container becomes the build's: its waiting work dir is renamed to the build's (the bind
   * mount follows the directory), and the build's environment is exported as the shell's first input.
   */
  #takeWarm(warm: Warm, spec: SessionSpec): ShellSession {
    fs.rmSync(spec.workDir, { recursive: true, force: true })
    try {
      fs.renameSync(warm.slot, spec.workDir)
    } catch (err) {
      fs.mkdirSync(spec.workDir, { recursive: true })
      throw err
    }
    const env = { ...spec.env, CODEBUILD_SRC_DIR: CONTAINER_SRC_DIR }
    const exports = Object.entries(env).filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)).map(([k, v]) => `export ${k}='${v.replaceAll("'", `'"'"'`)}'`)
    const session = this.#session(warm, { srcDir: CONTAINER_SRC_DIR, controlDir: WARM_CONTROL_DIR })
    session.stdin.write(`${exports.join('\n')}\ncd '${CONTAINER_SRC_DIR}'\n`)
    return session
  }

  /** Tops the image's pool up to the warm size, in the background. */
  #fill(key: string, image: string, shell: 'bash' | 'sh'): void {
    if (this.#closed || !this.#poolDir) return
    // Most recently used last; beyond the cap, the least recently used image's containers go.
    const list = this.#pool.get(key) ?? []
    this.#pool.delete(key)
    this.#pool.set(key, list)
    for (const [old, waiting] of [...this.#pool.entries()].slice(0, Math.max(0, this.#pool.size - MAX_WARM_IMAGES))) {
      this.#pool.delete(old)
      for (const w of waiting) void this.#discard(w)
    }
    const missing = this.#warm - list.length - (this.#filling.get(key) ?? 0)
    for (let i = 0; i < missing; i++) {
      this.#filling.set(key, (this.#filling.get(key) ?? 0) + 1)
      const preparing = this.#prepare(image, shell)
        .then((w) => {
          if (this.#closed || !this.#pool.has(key)) return this.#discard(w)
          this.#pool.get(key)!.push(w)
        })
        .catch(() => undefined)
        .finally(() => {
          this.#filling.set(key, (this.#filling.get(key) ?? 1) - 1)
          this.#preparing.delete(preparing)
        })
      this.#preparing.add(preparing)
    }
  }

  async #prepare(image: string, shell: 'bash' | 'sh'): Promise<Warm> {
    const slot = path.join(this.#poolDir!, randomUUID())
    fs.mkdirSync(path.join(slot, 'src'), { recursive: true })
    fs.mkdirSync(path.join(slot, 'slipway'), { recursive: true })
    try {
      const imageId = (await this.#docker.getImage(image).inspect()).Id
      const live = await this.#launch(image, shell, 'warm', { env: {}, workingDir: WARM_WORK_DIR, binds: [`${slot}:${WARM_WORK_DIR}`] })
      const warm: Warm = { ...live, slot, imageId, alive: true }
      void live.exited.then(() => (warm.alive = false))
      return warm
    } catch (err) {
      fs.rmSync(slot, { recursive: true, force: true })
      throw err
    }
  }

  async #discard(w: Warm): Promise<void> {
    await w.container.remove({ force: true }).catch(() => undefined)
    fs.rmSync(w.slot, { recursive: true, force: true })
  }

  /** Creates, attaches and starts a container whose shell reads stdin. */
  async #launch(image: string, shell: 'bash' | 'sh', buildId: string, o: { env: Record<string, string>; workingDir: string; binds: string[] }): Promise<Live> {
    const container = await this.#docker.createContainer({
      Image: image,
      Cmd: ['/bin/sh', '-c', bootstrapScript(shell)],
      Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: o.workingDir,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Labels: { 'slipway.build': buildId, 'slipway.owner': this.#owner },
      HostConfig: { NetworkMode: this.#network, Binds: o.binds },
    })
    try {
      const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })
      const output = new PassThrough()
      container.modem.demuxStream(stream, output, output)
      stream.on('end', () => output.end())
      await container.start()
      const exited = container.wait().then((r: { StatusCode: number }) => r.StatusCode, () => 137)
      return { container, stream, output, exited }
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined)
      throw new ProvisioningError(`CLIENT_ERROR: could not start the build container: ${(err as Error).message}`)
    }
  }

  #session(live: Live, paths: { srcDir: string; controlDir: string }): ShellSession {
    const { container, stream } = live
    let removed = false
    const stdin = new PassThrough()
    stdin.pipe(stream)
    stdin.on('finish', () => {
      // Half-close so the shell sees EOF on stdin and exits.
      ;(stream as unknown as { end(): void }).end()
    })
    return {
      paths,
      stdin,
      output: live.output,
      exited: live.exited,
      kill: async () => {
        await container.kill({ signal: 'SIGKILL' }).catch(() => undefined)
      },
      dispose: async () => {
        if (removed) return
        removed = true
        await container.remove({ force: true }).catch(() => undefined)
      },
    }
  }
}
