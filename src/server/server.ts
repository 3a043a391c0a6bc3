import fs from 'node:fs'
import path from 'node:path'
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import type { SlipwayConfig } from '../config/config.ts'
import { systemClock, type Clock } from '../infra/clock.ts'
import { SecretBox } from '../infra/crypto/secret-box.ts'
import { openStorage } from './storage.ts'
import { startHousekeeping, type Chore } from './housekeeping.ts'
import { expireIncompleteUploads } from '../artifacts/expire-uploads.ts'
import type { Store } from '../infra/store.ts'
import { EventBus } from '../events/bus.ts'
import { KeyService } from '../identity/key-service.ts'
import { writeAwsCliFiles, type AwsCliFiles } from '../identity/aws-cli-files.ts'
import { createGitRepos } from '../git/adapters/git-cli.ts'
import type { GitContext } from '../git/service/context.ts'
import { syncAllRefs } from '../git/service/ref-updates.ts'
import { codeCommitApi } from '../git/api/codecommit-api.ts'
import { registerGitSmartHttp } from '../git/http/smart-http.ts'
import { registerAwsJson } from '../protocol/aws-json/router.ts'
import { sigv4Authenticator, sigv4Precheck } from '../protocol/authenticate.ts'
import { candidateRegions } from '../protocol/sigv4/git-password.ts'
import { registerArtifacts } from '../artifacts/module.ts'
import { sendUndecodableUrl } from '../protocol/s3/s3-router.ts'
import { principalOfRequest } from '../protocol/request-principal.ts'
import { registerBuilds } from './build-module.ts'
import { registerPipelines } from './pipeline-module.ts'
import { registerDeploy } from './deploy-module.ts'
import { registerRegistry } from './registry-module.ts'
import { registerNotifications } from '../events/notifications/module.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import { registerConsole } from '../web/module.ts'
import { buildKeys } from '../identity/build-keys.ts'
import { ConsoleSessions } from '../web/sessions.ts'
import { userKeyLookup, userKeysOnly } from './runner-keys.ts'
import { listRunners, whyQueued } from '../build/service/runner-views.ts'
import { serverTls } from '../infra/tls/server-tls.ts'

export type RunningServer = {
  url: string
  app: FastifyInstance
  store: Store
  bus: EventBus
  keys: KeyService
  awsCliFiles: AwsCliFiles
  objects: ObjectStore
  close(): Promise<void>
}

/** Where `slipway up` records the URL it listens on, for `slipway env` and friends. */
export const serverInfoFile = (dataDir: string) => path.join(dataDir, 'server.json')

/**
 * Composes a server: store, keys, git, the AWS JSON services and git smart HTTP on one port, on the
 * storage the configuration names (embedded, or shared with other replicas). Resolves once it
 * listens; crash recovery (unpublished ref changes, events not yet consumed) runs before it does.
 */
export async function startServer(config: SlipwayConfig, clock: Clock = systemClock): Promise<RunningServer> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const tls = serverTls(config.tls, config.dataDir, config.host)
  const scheme = tls ? 'https' : 'http'
  // One listener for everything (AWS APIs, S3, git, the registry, runners, agents, the console).
  const app = Fastify({
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-amz-security-token"]'],
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024 * 1024,
    // On shutdown, cut open connections (a held long-poll, idle keep-alives) instead of waiting out
    // the 72 s keep-alive timeout; builds and the agent have already been stopped by then.
    forceCloseConnections: true,
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') return sendUndecodableUrl(request, reply)
      return (reply as FastifyReply).code(error.statusCode ?? 400).send(error)
    },
  }) as unknown as FastifyInstance
  // Every transport reads its own body (streams for git and S3, signed bytes for AWS JSON).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))

  const storage = await openStorage(config, clock, (err, context) => app.log.error({ err }, context))
  const { store, box } = storage
  const keys = new KeyService(store, box, clock)

  const bus = new EventBus(store, clock, (err, event) => app.log.error({ err, seq: event?.seq, type: event?.type }, 'event listener failed'))
  let baseUrl = `${scheme}://${config.host}:${config.port}`
  const git: GitContext = {
    store,
    repos: createGitRepos(config.repositoriesDir),
    clock,
    bus,
    region: config.region,
    accountId: config.accountId,
    baseUrl: () => baseUrl,
  }

  app.get('/health', async () => ({ status: 'ok' }))
  // At --log-level debug, one line per request: what was asked, by whom, how it ended, how long it took.
  if (config.logLevel === 'debug' || config.logLevel === 'trace') {
    app.addHook('onResponse', async (request, reply) => {
      const target = request.headers['x-amz-target']
      const requestId = reply.getHeader('x-amzn-requestid') ?? reply.getHeader('x-amz-request-id')
      request.log.debug({
        method: request.method,
        path: (request.url.split('?')[0] ?? '/'),
        ...(target ? { target } : {}),
        principal: principalOfRequest(request) ?? '-',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(requestId !== undefined ? { requestId } : {}),
      }, 'request')
    })
  }
  // Runner keys sign the runner protocol and nothing else: every other endpoint refuses them.
  const anyKeySigv4 = sigv4Authenticator(keys.lookup, clock, config.maxSkewSeconds)
  const sigv4 = userKeysOnly(anyKeySigv4)
  const lookup = userKeyLookup(keys.lookup)
  const sessions = new ConsoleSessions(store.consoleSessions, lookup)
  registerGitSmartHttp(app, git, { lookup, clock, regions: candidateRegions(config.region) })
  const artifacts = registerArtifacts(app, { dataDir: config.dataDir, clock, lookup, maxSkewSeconds: config.maxSkewSeconds, objects: storage.objects, outbox: store.events, flush: () => bus.flush(), audit: (e) => store.audit.append({ ...e, at: clock.now() }), region: config.region }).objects
  const builds = await registerBuilds(app, { config, clock, store, box, bus, baseUrl: () => baseUrl, auth: { lookup, sigv4, session: sessions.principalOf }, sigv4: anyKeySigv4, precheck: sigv4Precheck(keys.lookup), keys, buildKeys: buildKeys(keys), logs: storage.logs, ...(tls?.caFile ? { caBundle: fs.readFileSync(tls.caFile, 'utf8') } : {}) })
  const deploy = registerDeploy(app, { config, clock, store, bus, objects: artifacts, agentLeaseMs: config.agentLeaseMs })
  const registry = registerRegistry(app, { config, clock, store, objects: storage.objects, baseUrl: () => baseUrl, lookup, flush: () => bus.flush() })
  const pipelines = registerPipelines(app, { config, clock, store, bus, git, objects: artifacts, builds: builds.ctx, baseUrl: () => baseUrl, deployments: deploy.deployments, findDeploymentByAction: deploy.findByAction, images: registry.images, registryHost: registry.ctx.registryHost })
  const codecommit = codeCommitApi(git)
  registerAwsJson(app, {
    services: [codecommit, builds.api, pipelines.api, deploy.api, deploy.agentApi, registry.api],
    authenticate: sigv4,
    region: config.region,
    precheck: sigv4Precheck(keys.lookup),
    onAudit: (e) => store.audit.append({ ...e, at: clock.now() }),
  })

  registerConsole(app, { region: config.region, store, clock, bus, sessions, lookup, auth: { lookup, sigv4 }, pipelines: pipelines.api, builds: builds.api, whyQueued: (id) => whyQueued(builds.ctx, id), runners: () => listRunners(builds.ctx), engine: pipelines.engine, deployments: deploy.deployments, accountId: config.accountId, git, codecommit, ecr: registry.api, objects: artifacts })
  const notifications = registerNotifications({ store, bus, clock, box, region: config.region, accountId: config.accountId, baseUrl: () => baseUrl, log: app.log })
  try {
    await syncAllRefs(git)
    await registry.start()
    await bus.start()
    await app.listen({ host: config.host, port: config.port })
  } catch (err) {
    // Nothing may keep the process alive after a failed start (a taken port): timers, the pool.
    bus.stop()
    await app.close().catch(() => undefined)
    await storage.close().catch(() => undefined)
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  baseUrl = `${scheme}://${host}:${port}`

  const awsCliFiles = writeAwsCliFiles(config.dataDir, await keys.rootKey(), baseUrl, config.region, tls?.caFile)
  await builds.start()
  await pipelines.start()
  await deploy.start()
  const expireUploads: Chore = {
    context: 'expiring incomplete multipart uploads',
    run: async () => {
      const expired = await expireIncompleteUploads(storage.objects, clock.now(), config.incompleteUploadMaxAgeMs)
      if (expired.uploads > 0) app.log.info({ uploads: expired.uploads, bytes: expired.bytes }, `aborted ${expired.uploads} incomplete multipart upload(s) older than ${config.incompleteUploadMaxAgeMs / 3_600_000} hours, freeing ${expired.bytes} bytes`)
    },
  }
  const stopHousekeeping = startHousekeeping({ git, store, clock, periodic: [...registry.chores, expireUploads], onError: (err, context) => app.log.error({ err }, context) })
  notifications.start()
  fs.writeFileSync(serverInfoFile(config.dataDir), JSON.stringify({ url: baseUrl, pid: process.pid, region: config.region, ...(tls?.caFile ? { caFile: tls.caFile } : {}) }) + '\n')

  return {
    url: baseUrl,
    app,
    store,
    bus,
    keys,
    awsCliFiles,
    objects: artifacts,
    async close() {
      bus.stop()
      stopHousekeeping()
      pipelines.stop()
      deploy.stop()
      await notifications.stop()
      await builds.stop()
      await app.close()
      await storage.close()
      fs.rmSync(serverInfoFile(config.dataDir), { force: true })
    },
  }
}
