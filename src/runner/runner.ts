import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { systemClock } from '../infra/clock.ts'
import type { BuildRecord } from '../build/records.ts'
import type { Executor } from '../build/executors/executor.ts'
import { DockerExecutor } from '../build/executors/docker-executor.ts'
import { HostExecutor } from '../build/executors/host-executor.ts'
import { type EngineDeps, runBuild } from '../build/runner/build-engine.ts'
import { httpRepositories } from '../build/runner/http-repositories.ts'
import { chunkedLogSink } from '../build/logs/chunked-log-sink.ts'
import type { PhaseOutcome } from '../build/model/phases.ts'
import type { RunnerLabels } from '../build/model/runner-match.ts'
import { RUNNER_ERRORS, type Assignment } from '../build/rpc/protocol.ts'
import { S3ObjectStore } from '../artifacts/adapters/s3-object-store.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import { ServiceError, RunnerClient, type RunnerEndpoint, isServiceError } from './rpc-client.ts'

export const RUNNER_VERSION = 'slipway-runner/0.1.0'

export type RunnerOptions = {
  endpoint: RunnerEndpoint
  name: string
  labels: RunnerLabels
  capacity: number
  executor: Executor
  /** The runner's own directory: work dirs and LOCAL caches. */
  workDir: string
  /** How long `next` waits for work before asking again. */
  pollMs?: number
  /** The CA certificates (PEM) its builds need to reach the server over HTTPS (their AWS_CA_BUNDLE). */
  caBundle?: string
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void
}

type Running = {
  assignment: Assignment
  /** Aborted (with the phase status) to stop the build. */
  controller: AbortController
  /** Aborted once the build's end is reported (or given up): the lease is kept until then. */
  watchEnd: AbortController
  lost: boolean
  started: boolean
  /** Progress saves go one at a time; the newest waiting one replaces an older one. */
  saving?: Promise<void>
  nextSave?: BuildRecord
  /** The first save (the start), which the engine waits for. */
  firstSave?: Promise<void>
  done: Promise<void>
}

/** After a stop, the lease is kept this long at most while the build winds down and reports. */
const WIND_DOWN_MS = 120_000

/** The runner could not go on (its key was refused): nothing but an operator fixes that. */
export class RunnerRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunnerRefused'
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })

/** Errors the server decided (a refused key, a bad request): retrying the same call cannot help. */
const isFatal = (err: unknown) => isServiceError(err) && (err.status === 401 || err.status === 403 || err.code === 'UnrecognizedClientException' || err.code === 'InvalidSignatureException' || err.code === 'AccessDeniedException')

/**
 * A build runner: registers with the server, long-polls for builds its labels accept (up to its
 * capacity), runs each with the build engine and its executor, keeps each build's lease alive (the
 * same long-poll tells it at once when a build is stopped), streams log chunks and progress, and
 * reports the end. It reaches the server only over the runner protocol: sources come over git smart
 * HTTP and S3 with the build's own key, artifacts go back the same way. When the server is away it
 * keeps its builds running and retries with backoff; whatever it cannot report in time the server
 * fails by the lease.
 */
export class Runner {
  readonly #o: RunnerOptions
  readonly #client: RunnerClient
  readonly #running = new Map<string, Running>()
  readonly #stopping = new AbortController()
  #runnerId = ''
  #leaseMs = 15_000
  #slotFreed: (() => void) | undefined
  #loop: Promise<void> | undefined

  constructor(options: RunnerOptions) {
    this.#o = options
    this.#client = new RunnerClient(options.endpoint)
  }

  get id(): string {
    return this.#runnerId
  }

  get running(): number {
    return this.#running.size
  }

  /** Registers (retrying while the server is unreachable), then polls for work until `stop`. */
  async start(): Promise<void> {
    fs.mkdirSync(this.#o.workDir, { recursive: true })
    await this.#removeOrphans()
    await this.#register()
    this.#loop = this.#poll()
  }

  /** Stops polling; running builds are stopped (they end STOPPED) and reported. */
  async stop(): Promise<void> {
    this.#stopping.abort()
    this.#slotFreed?.()
    for (const r of this.#running.values()) r.controller.abort('STOPPED')
    await Promise.allSettled([this.#loop, ...[...this.#running.values()].map((r) => r.done)])
    if (this.#o.executor instanceof DockerExecutor) await this.#o.executor.close()
  }

  /** Resolves when the poll loop ends (stopped, or the server refused this runner's key). */
  get finished(): Promise<void> {
    return this.#loop ?? Promise.resolve()
  }

  async #register(): Promise<void> {
    for (let attempt = 0; !this.#stopping.signal.aborted; attempt++) {
      try {
        // What images it has: for ListCuratedEnvironmentImages (none when the engine does not say).
        const images = (await this.#o.executor.images?.().catch(() => undefined)) ?? []
        const res = await this.#client.register({ name: this.#o.name, labels: this.#o.labels, capacity: this.#o.capacity, executor: this.#o.executor.name, version: RUNNER_VERSION, images })
        this.#runnerId = res.runnerId
        this.#leaseMs = res.leaseMs
        this.#o.log('info', `registered as ${res.runnerId} (${this.#o.executor.name} executor, capacity ${this.#o.capacity})`)
        return
      } catch (err) {
        if (isFatal(err)) throw new RunnerRefused(`the server refused this runner: ${(err as Error).message}`)
        this.#o.log('warn', `cannot register yet: ${(err as Error).message}`)
        await sleep(backoff(attempt), this.#stopping.signal)
      }
    }
  }

  async #poll(): Promise<void> {
    let failures = 0
    while (!this.#stopping.signal.aborted) {
      const free = this.#o.capacity - this.#running.size
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve))
        continue
      }
      try {
        const assignments = await this.#client.next(this.#runnerId, free, this.#o.pollMs ?? 20_000, this.#stopping.signal)
        failures = 0
        // Builds handed over as this runner stops are not started: their claims lapse and go to another runner.
        if (!this.#stopping.signal.aborted) for (const a of assignments) this.#begin(a)
      } catch (err) {
        if (this.#stopping.signal.aborted) return
        if (isServiceError(err) && err.code === RUNNER_ERRORS.unknownRunner) {
          await this.#register()
          continue
        }
        if (isFatal(err)) {
          this.#o.log('error', `the server refused this runner: ${(err as Error).message}`)
          this.#stopping.abort()
          throw new RunnerRefused((err as Error).message)
        }
        this.#o.log('warn', `cannot reach the server: ${(err as Error).message}`)
        await sleep(backoff(failures++), this.#stopping.signal)
      }
    }
  }

  #begin(assignment: Assignment): void {
    const r: Running = { assignment, controller: new AbortController(), watchEnd: new AbortController(), lost: false, started: false, done: Promise.resolve() }
    this.#running.set(assignment.jobId, r)
    r.done = this.#run(r).finally(() => {
      this.#running.delete(assignment.jobId)
      this.#slotFreed?.()
      this.#slotFreed = undefined
    })
  }

  async #run(r: Running): Promise<void> {
    const { build } = r.assignment
    this.#o.log('info', `build ${build.id} started`)
    const watching = this.#watch(r)
    const objects = this.#objects(r.assignment)
    try {
      const deps = this.#engineDeps(r.assignment, objects)
      const final = await runBuild(build, deps, {
        signal: r.controller.signal,
        // The start is awaited (nothing runs before the server took it); later progress goes in the
        // background, in order — the build never waits for the server between its phases.
        save: (b) => {
          const sent = this.#save(r, b)
          if (r.started) {
            void sent.catch(() => undefined)
            return Promise.resolve()
          }
          if (r.firstSave && r.firstSave !== sent) void sent.catch(() => undefined)
          return r.firstSave ?? sent
        },
      })
      // Progress still in flight lands first: the end is the last word.
      while (r.saving) await r.saving.catch(() => undefined)
      if (!r.lost) await this.#report(r, final)
      this.#o.log('info', `build ${build.id} ended ${final.status}`)
    } catch (err) {
      this.#o.log('error', `build ${build.id}: ${(err as Error).message}`)
    } finally {
      r.controller.abort('STOPPED')
      r.watchEnd.abort()
      await watching
      objects.destroy()
    }
  }

  /** The engine's ports for one build: everything through the server, with the build's own key. */
  #engineDeps(a: Assignment, objects: ObjectStore): EngineDeps {
    const { endpoint } = this.#o
    const client = this.#client
    const runnerId = this.#runnerId
    return {
      clock: systemClock,
      executor: this.#o.executor,
      objects,
      repositories: httpRepositories(endpoint.url, a.credentials),
      dataDir: this.#o.workDir,
      region: a.region,
      accountId: a.accountId,
      baseUrl: () => endpoint.url,
      key: a.credentials,
      ...(this.#o.caBundle ? { caBundle: this.#o.caBundle } : {}),
      resolveSecret: async (type, reference) => {
        try {
          return await client.secret(runnerId, a.jobId, type, reference)
        } catch (err) {
          throw new Error(err instanceof ServiceError ? err.detail : (err as Error).message)
        }
      },
      saveReport: (report) => retrying(() => client.report(runnerId, a.jobId, report), this.#leaseMs),
      logs: {
        open: () => chunkedLogSink({
          size: () => client.log(runnerId, a.jobId, 0, Buffer.alloc(0)),
          put: async (offset, data) => void (await client.log(runnerId, a.jobId, offset, data)),
          onError: (err) => this.#o.log('warn', `build ${a.build.id}: log chunk lost: ${(err as Error).message}`),
          // Through a server restart: 20 tries wait 21 s in all, beyond the default lease.
          attempts: 20,
        }),
      },
    }
  }

  #objects(a: Assignment): S3ObjectStore {
    return new S3ObjectStore({ endpoint: this.#o.endpoint.url, region: a.region, credentials: a.credentials, forcePathStyle: true, bucketPrefix: '' })
  }

  /**
   * Progress: a lost claim stops the build; a transport failure is skipped (the next save carries all).
   * The first save (PROVISIONING) must land before anything runs: a build the server still sees QUEUED
   * goes to another runner when this one's lease lapses, so it must not have run here.
   */
  #save(r: Running, build: BuildRecord): Promise<void> {
    r.nextSave = build
    r.saving ??= this.#drainSaves(r)
    return r.saving
  }

  /** Sends waiting saves one at a time, in order; the newest waiting one replaces older ones. */
  async #drainSaves(r: Running): Promise<void> {
    try {
      while (r.nextSave) {
        const next = r.nextSave
        r.nextSave = undefined
        await this.#send(r, next)
      }
    } catch (err) {
      r.nextSave = undefined
      throw err
    } finally {
      r.saving = undefined
    }
  }

  #send(r: Running, build: BuildRecord): Promise<void> {
    if (r.started) return this.#sendProgress(r, build)
    // Nothing goes as progress before the start landed (nor after it failed).
    r.firstSave ??= this.#sendStart(r, build)
    return r.firstSave
  }

  /** The start must land before anything runs: retried for half a lease, else the build does not start here. */
  async #sendStart(r: Running, build: BuildRecord): Promise<void> {
    try {
      await retrying(() => this.#client.update(this.#runnerId, r.assignment.jobId, build), this.#leaseMs / 2)
      r.started = true
    } catch (err) {
      if (isServiceError(err) && err.code === RUNNER_ERRORS.claimLost) this.#lose(r)
      throw new Error(`the server did not take the build's start, so it did not start here: ${(err as Error).message}`)
    }
  }

  async #sendProgress(r: Running, build: BuildRecord): Promise<void> {
    try {
      await this.#client.update(this.#runnerId, r.assignment.jobId, build)
    } catch (err) {
      if (isServiceError(err) && err.code === RUNNER_ERRORS.claimLost) this.#lose(r)
      else this.#o.log('warn', `build ${build.id}: progress not saved: ${(err as Error).message}`)
    }
  }

  /** The end, retried while the lease may still stand; the server fails the build by the lease otherwise. */
  async #report(r: Running, build: BuildRecord): Promise<void> {
    try {
      await retrying(() => this.#client.done(this.#runnerId, r.assignment.jobId, build), 2 * this.#leaseMs)
    } catch (err) {
      this.#o.log('error', `build ${build.id}: its end could not be reported (${(err as Error).message}); the server fails it when its lease lapses`)
    }
  }

  #lose(r: Running): void {
    if (r.lost) return
    r.lost = true
    this.#o.log('warn', `build ${r.assignment.build.id}: this runner no longer holds it; stopping`)
    r.controller.abort('STOPPED' satisfies PhaseOutcome)
  }

  /**
   * Keeps the lease while the build runs and until its end is reported (a stopped build still has to
   * wind down and report); the same long-poll brings StopBuild and timeouts at once.
   */
  async #watch(r: Running): Promise<void> {
    let failures = 0
    const signal = r.watchEnd.signal
    let stoppedAt: number | undefined
    while (!signal.aborted && !r.lost) {
      if (r.controller.signal.aborted) stoppedAt ??= Date.now()
      if (stoppedAt !== undefined && Date.now() - stoppedAt > WIND_DOWN_MS) return
      try {
        const res = await this.#client.wait(this.#runnerId, r.assignment.jobId, Math.max(200, Math.floor(this.#leaseMs / 3)), signal)
        failures = 0
        if (res.stop === 'LOST') this.#lose(r)
        else if (res.stop && !r.controller.signal.aborted) r.controller.abort(res.stop)
        // A stop already being acted on: wait out a third of the lease before renewing again.
        if (res.stop && res.stop !== 'LOST') await sleep(Math.floor(this.#leaseMs / 3), signal)
      } catch (err) {
        if (signal.aborted) return
        this.#o.log('warn', `build ${r.assignment.build.id}: cannot renew its lease: ${(err as Error).message}`)
        await sleep(Math.min(backoff(failures++), this.#leaseMs / 4), signal)
      }
    }
  }

  /** What a dead predecessor in this work dir left: its containers or sessions, work dirs, warm slots. */
  async #removeOrphans(): Promise<void> {
    const executor = this.#o.executor
    if (executor instanceof DockerExecutor) {
      await executor.removeOrphans(() => false).catch(() => 0)
      fs.rmSync(path.join(this.#o.workDir, 'work'), { recursive: true, force: true })
    }
    if (executor instanceof HostExecutor) executor.removeOrphans(path.join(this.#o.workDir, 'work'), () => false)
    fs.rmSync(path.join(this.#o.workDir, 'warm'), { recursive: true, force: true })
  }
}

/** 0.25 s, 0.5 s, 1 s … up to 10 s. */
function backoff(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** Math.min(attempt, 6))
}

/** Retries `call` on transport failures (not on the server's answers) for up to `forMs`. */
async function retrying<T>(call: () => Promise<T>, forMs: number): Promise<T> {
  const deadline = Date.now() + forMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await call()
    } catch (err) {
      if (isServiceError(err) && err.status < 500) throw err
      if (Date.now() + backoff(attempt) > deadline) throw err
      await sleep(backoff(attempt))
    }
  }
}

/** A runner's default name: the host's. */
export const defaultRunnerName = () => os.hostname().replace(/[^\w.@-]/g, '-').slice(0, 64) || 'runner'
