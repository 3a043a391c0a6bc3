import { createHash } from 'node:crypto'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { SlipwayConfig } from '../config/config.ts'
import type { Clock } from '../infra/clock.ts'
import type { Store } from '../infra/store.ts'
import type { SecretBox } from '../infra/crypto/secret-box.ts'
import type { EventBus } from '../events/bus.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import type { GitContext } from '../git/service/context.ts'
import type { HttpAuth } from '../protocol/http-auth.ts'
import type { BuildContext } from '../build/service/context.ts'
import { codeBuildApi } from '../build/api/codebuild-api.ts'
import { BUILD_QUEUED_SIGNAL, BuildRunner } from '../build/runner/build-runner.ts'
import { secretResolver } from '../build/runner/secrets.ts'
import { registerBuildLogs } from '../build/http/build-logs.ts'
import { DockerExecutor } from '../build/executors/docker-executor.ts'
import { HostExecutor } from '../build/executors/host-executor.ts'
import type { Executor } from '../build/executors/executor.ts'
import type { BuildKeys } from '../identity/build-keys.ts'
import type { LogStore } from '../build/logs/log-store.ts'

export type BuildModuleDeps = {
  config: SlipwayConfig
  clock: Clock
  store: Store
  box: SecretBox
  bus: EventBus
  git: GitContext
  objects: ObjectStore
  baseUrl: () => string
  auth: HttpAuth
  keys: BuildKeys
  logs: LogStore
}

/** Picks the executor: `docker` must answer; `auto` uses docker when it answers, else the host. */
export async function chooseExecutor(choice: SlipwayConfig['executor'], owner?: string): Promise<Executor> {
  if (choice === 'host') return new HostExecutor()
  const docker = new DockerExecutor({ ...(owner ? { owner } : {}) })
  if (await docker.available()) return docker
  if (choice === 'docker') throw new Error('--executor docker: no Docker engine answers on /var/run/docker.sock')
  return new HostExecutor()
}

/** The CodeBuild context: API service, log endpoint, and the in-process build runner. */
export async function registerBuilds(app: FastifyInstance, deps: BuildModuleDeps) {
  // Containers are labelled with this server's data dir: servers sharing a Docker engine leave each other's alone.
  const executor = await chooseExecutor(deps.config.executor, createHash('sha256').update(deps.config.dataDir).digest('hex').slice(0, 16))
  const ctx: BuildContext = {
    store: deps.store,
    clock: deps.clock,
    bus: deps.bus,
    region: deps.config.region,
    accountId: deps.config.accountId,
    baseUrl: deps.baseUrl,
    wake: () => deps.store.signals.send(BUILD_QUEUED_SIGNAL),
  }
  const runner = new BuildRunner(
    ctx,
    {
      clock: deps.clock,
      executor,
      objects: deps.objects,
      git: deps.git,
      dataDir: deps.config.dataDir,
      region: deps.config.region,
      accountId: deps.config.accountId,
      baseUrl: deps.baseUrl,
      resolveSecret: secretResolver(deps.store, deps.box),
      logs: deps.logs,
      saveReport: (r) => deps.store.reports.insert(r),
      keys: deps.keys,
    },
    { leaseMs: deps.config.buildLeaseMs, onError: (err, context) => app.log.error({ err }, context) },
  )
  // Nothing runs here yet at start-up: this server's containers and sessions were left by its dead
  // predecessor. Build keys are shared: only those of builds no longer running go (a build of a crashed
  // server keeps its key until it fails with its lease, when the server that fails it revokes it).
  const running = new Set((await deps.store.builds.unfinished()).map((b) => b.id))
  await deps.keys.revokeExcept((id) => running.has(id))
  if (executor instanceof DockerExecutor) await executor.removeOrphans(() => false)
  if (executor instanceof HostExecutor) executor.removeOrphans(path.join(deps.config.dataDir, 'work'), () => false)
  registerBuildLogs(app, { store: deps.store, logs: deps.logs, auth: deps.auth })
  return { ctx, runner, executor, api: codeBuildApi(ctx) }
}
