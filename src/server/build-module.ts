import { EventEmitter } from 'node:events'
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
import { BuildRunner } from '../build/runner/build-runner.ts'
import { secretResolver } from '../build/runner/secrets.ts'
import { registerBuildLogs } from '../build/http/build-logs.ts'
import { DockerExecutor } from '../build/executors/docker-executor.ts'
import { HostExecutor } from '../build/executors/host-executor.ts'
import type { Executor } from '../build/executors/executor.ts'
import type { BuildKeys } from '../identity/build-keys.ts'

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
}

/** Picks the executor: `docker` must answer; `auto` uses docker when it answers, else the host. */
export async function chooseExecutor(choice: SlipwayConfig['executor']): Promise<Executor> {
  if (choice === 'host') return new HostExecutor()
  const docker = new DockerExecutor()
  if (await docker.available()) return docker
  if (choice === 'docker') throw new Error('--executor docker: no Docker engine answers on /var/run/docker.sock')
  return new HostExecutor()
}

/** The CodeBuild context: API service, log endpoint, and the in-process build runner. */
export async function registerBuilds(app: FastifyInstance, deps: BuildModuleDeps) {
  const executor = await chooseExecutor(deps.config.executor)
  const logEvents = new EventEmitter()
  logEvents.setMaxListeners(0)
  let runner: BuildRunner | undefined
  const ctx: BuildContext = {
    store: deps.store,
    clock: deps.clock,
    bus: deps.bus,
    region: deps.config.region,
    accountId: deps.config.accountId,
    baseUrl: deps.baseUrl,
    wake: () => runner?.wake(),
  }
  runner = new BuildRunner(
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
      logEvents,
      saveReport: (r) => deps.store.reports.insert(r),
      keys: deps.keys,
    },
    { leaseMs: deps.config.buildLeaseMs, onError: (err, context) => app.log.error({ err }, context) },
  )
  // Nothing runs yet at start-up: every container, session or build key left behind belongs to a dead server.
  await deps.keys.revokeAll()
  if (executor instanceof DockerExecutor) await executor.removeOrphans(() => false)
  if (executor instanceof HostExecutor) executor.removeOrphans(path.join(deps.config.dataDir, 'work'), () => false)
  registerBuildLogs(app, { store: deps.store, dataDir: deps.config.dataDir, logEvents, auth: deps.auth })
  return { ctx, runner, executor, api: codeBuildApi(ctx) }
}
