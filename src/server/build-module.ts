import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { SlipwayConfig } from '../config/config.ts'
import type { Clock } from '../infra/clock.ts'
import type { Store } from '../infra/store.ts'
import type { SecretBox } from '../infra/crypto/secret-box.ts'
import type { EventBus } from '../events/bus.ts'
import type { HttpAuth } from '../protocol/http-auth.ts'
import type { Authenticator, Precheck } from '../protocol/authenticate.ts'
import type { BuildContext } from '../build/service/context.ts'
import { codeBuildApi } from '../build/api/codebuild-api.ts'
import { BUILD_QUEUED_SIGNAL } from '../build/service/builds.ts'
import { secretResolver } from '../build/runner/secrets.ts'
import { registerBuildLogs } from '../build/http/build-logs.ts'
import { registerRunnerRpc } from '../build/http/runner-rpc.ts'
import { registerRunnersView } from '../build/http/runners-view.ts'
import { RunnerDispatch } from '../build/service/runner-dispatch.ts'
import { BuildReconciler } from '../build/service/build-reconciler.ts'
import { chooseExecutor } from '../build/executors/choose-executor.ts'
import { runnerPrincipal } from '../build/rpc/protocol.ts'
import type { BuildKeys } from '../identity/build-keys.ts'
import type { KeyService } from '../identity/key-service.ts'
import type { LogStore } from '../build/logs/log-store.ts'
import { Runner } from '../runner/runner.ts'

/**
 * This server's own runner's id: random, kept in its data dir (servers on other machines may use the
 * same data dir path; each has its own id, so none replaces another's runner key).
 */
function embeddedRunnerId(dataDir: string): string {
  const file = path.join(dataDir, 'runner-id')
  try {
    const id = fs.readFileSync(file, 'utf8').trim()
    if (/^[0-9a-f]{12}$/.test(id)) return id
  } catch {
    // first start: make one
  }
  const id = randomBytes(6).toString('hex')
  fs.writeFileSync(file, `${id}\n`, { mode: 0o600 })
  return id
}

export type BuildModuleDeps = {
  config: SlipwayConfig
  clock: Clock
  store: Store
  box: SecretBox
  bus: EventBus
  baseUrl: () => string
  auth: HttpAuth
  /** Authenticates runner calls (any key; the transport admits runner keys only). */
  sigv4: Authenticator
  /** Before a runner call's body is read: signed with a known key. */
  precheck: Precheck
  keys: KeyService
  buildKeys: BuildKeys
  logs: LogStore
  /** The private CA (PEM) this server's own builds trust it with, when it serves HTTPS under one. */
  caBundle?: string
}

/**
 * The CodeBuild context on a server: the API, the log endpoint, the runner protocol, the reconciler
 * that ends what lost runners leave, and — where this server runs builds (`slipway up`, `slipway
 * server --runner`) — its own runner, a client of the same protocol over loopback.
 */
export async function registerBuilds(app: FastifyInstance, deps: BuildModuleDeps) {
  const ctx: BuildContext = {
    store: deps.store,
    clock: deps.clock,
    bus: deps.bus,
    region: deps.config.region,
    accountId: deps.config.accountId,
    baseUrl: deps.baseUrl,
    wake: () => deps.store.signals.send(BUILD_QUEUED_SIGNAL),
  }
  const dispatch = new RunnerDispatch({ ctx, keys: deps.buildKeys, logs: deps.logs, resolveSecret: secretResolver(deps.store, deps.box), leaseMs: deps.config.buildLeaseMs })
  const reconciler = new BuildReconciler(ctx, { keys: deps.buildKeys, tickMs: 1000, forgetRunnersAfterMs: 24 * 3600_000, onError: (err, context) => app.log.error({ err }, context) })
  // Build keys are shared: only those of builds no longer running go (a build of a crashed runner
  // keeps its key until it fails with its lease, when the server that fails it revokes it).
  const running = new Set((await deps.store.builds.unfinished()).map((b) => b.id))
  await deps.buildKeys.revokeExcept((id) => running.has(id))
  registerBuildLogs(app, { store: deps.store, logs: deps.logs, auth: deps.auth })
  registerRunnerRpc(app, { dispatch, authenticate: deps.sigv4, precheck: deps.precheck })
  registerRunnersView(app, { ctx, auth: deps.auth })

  let runner: Runner | undefined
  let runnerKey: string | undefined
  return {
    ctx,
    api: codeBuildApi(ctx, { seal: (plain) => deps.box.seal(plain) }),
    /** Starts the reconciler, and this server's own runner when it runs builds (once it listens). */
    async start(): Promise<void> {
      reconciler.start()
      if (!deps.config.runner) return
      // The server's own runner: a runner key of its own, replaced at every start (a crashed
      // predecessor's goes), and the executor's leftovers of that predecessor removed.
      const id = embeddedRunnerId(deps.config.dataDir)
      const principal = runnerPrincipal(`server-${id}`)
      for (const k of await deps.keys.list()) if (k.userName === principal) await deps.keys.delete(k.accessKeyId)
      const key = await deps.keys.create(principal)
      runnerKey = key.accessKeyId
      runner = new Runner({
        endpoint: { url: deps.baseUrl(), region: deps.config.region, credentials: key },
        name: os.hostname().replace(/[^\w.@-]/g, '-').slice(0, 64) || 'server',
        labels: {},
        capacity: 8,
        executor: await chooseExecutor(deps.config.executor, id),
        workDir: path.join(deps.config.dataDir, 'runner'),
        ...(deps.caBundle ? { caBundle: deps.caBundle } : {}),
        log: (level, message) => app.log[level]({ runner: 'embedded' }, message),
      })
      await runner.start()
      runner.finished.catch((err: unknown) => app.log.error({ err }, 'this server\'s build runner stopped: builds wait for other runners'))
    },
    async stop(): Promise<void> {
      reconciler.stop()
      await runner?.stop()
      if (runnerKey) await deps.keys.delete(runnerKey).catch(() => false)
    },
  }
}
