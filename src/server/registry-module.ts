import type { FastifyInstance } from 'fastify'
import type { SlipwayConfig } from '../config/config.ts'
import type { Clock } from '../infra/clock.ts'
import type { Store } from '../infra/store.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import type { KeyCredential } from '../identity/key-service.ts'
import type { Chore } from './housekeeping.ts'
import { REGISTRY_BUCKET } from '../artifacts/model/names.ts'
import type { RegistryContext } from '../registry/service/context.ts'
import { ecrApi } from '../registry/api/ecr-api.ts'
import { registerDistributionApi } from '../registry/http/distribution-api.ts'
import { upstreamPuller } from '../registry/service/pull-through.ts'
import { pruneUploads } from '../registry/service/blobs.ts'
import { applyLifecyclePolicy, findManifest } from '../registry/service/images.ts'
import { arnOf, uriOf } from '../registry/service/repositories.ts'
import type { ImageLookup } from '../pipeline/providers/ecr-source.ts'


export type RegistryModuleDeps = {
  config: SlipwayConfig
  clock: Clock
  store: Store
  objects: ObjectStore
  baseUrl: () => string
  lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>
  flush: () => void
}

/** The ECR context: its AWS JSON API, the distribution API on `/v2/`, and its periodic chores. */
export function registerRegistry(app: FastifyInstance, deps: RegistryModuleDeps) {
  const ctx: RegistryContext = {
    store: deps.store,
    objects: deps.objects,
    clock: deps.clock,
    region: deps.config.region,
    accountId: deps.config.accountId,
    bucket: REGISTRY_BUCKET,
    registryHost: () => new URL(deps.baseUrl()).host,
    baseUrl: deps.baseUrl,
    lookup: deps.lookup,
    flush: deps.flush,
  }
  registerDistributionApi(app, ctx, {
    puller: upstreamPuller(ctx),
    onPush: (principal, repository, digest) =>
      deps.store.audit.append({ at: deps.clock.now(), principal, action: 'ecr:PutImage', resource: `${arnOf(ctx, repository)}@${digest}`, requestId: `registry-${digest.slice(7, 19)}` }),
  })
  const chores: Chore[] = [
    { context: 'pruning abandoned registry uploads', run: () => pruneUploads(ctx) },
    {
      context: 'applying registry lifecycle policies',
      run: async () => {
        for (const repo of await deps.store.registry.listRepositories()) if (repo.lifecyclePolicy) await applyLifecyclePolicy(ctx, repo.name)
      },
    },
  ]
  const images: ImageLookup = async (repository, reference) => {
    const m = await findManifest(ctx, repository, reference)
    if (!m) return undefined
    const tags = (await deps.store.registry.listTags(repository)).filter((t) => t.digest === m.digest).map((t) => t.tag)
    return { registryId: ctx.accountId, repositoryName: repository, digest: m.digest, tags, sizeBytes: m.imageSize, pushedAt: m.pushedAt, repositoryUri: uriOf(ctx, repository) }
  }
  return {
    ctx,
    images,
    api: ecrApi(ctx),
    chores,
    async start() {
      if (!(await deps.objects.headBucket(REGISTRY_BUCKET))) {
        await deps.objects.createBucket(REGISTRY_BUCKET).catch(async (err: unknown) => {
          if (!(await deps.objects.headBucket(REGISTRY_BUCKET))) throw err
        })
      }
    },
  }
}
