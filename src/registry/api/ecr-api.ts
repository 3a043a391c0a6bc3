import type { AwsJsonService } from '../../protocol/aws-json/operation-table.ts'
import { formatViolations } from '../../protocol/aws-json/validate.ts'
import type { Operations, Tag } from '../../protocol/models/ecr.types.ts'
import { paginate } from '../../shared/paging.ts'
import { RegistryErrors as E } from '../errors.ts'
import { isDigest, repositoryNameOfArn } from '../model/names.ts'
import type { RegistryContext } from '../service/context.ts'
import * as repositories from '../service/repositories.ts'
import * as images from '../service/images.ts'
import * as pullThrough from '../service/pull-through-rules.ts'
import { authorizationToken } from '../service/auth-tokens.ts'
import { imageDetailView, repositoryView } from './views.ts'

const invalidToken = () => E.invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'the token was not issued by this registry'")
const tagsOf = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]))

function checkTags(tags: Tag[]): void {
  for (const t of tags) {
    if (t.Key.startsWith('aws:')) throw E.invalidTag(`Tag keys may not start with 'aws:': ${t.Key}`)
  }
}

/** ECR's API (AmazonEC2ContainerRegistry_V20150921), model-validated like every AWS JSON service. */
export function ecrApi(ctx: RegistryContext): AwsJsonService<Operations> {
  const mutability = (value: string | undefined) => {
    if (value === undefined || value === 'MUTABLE' || value === 'IMMUTABLE') return value
    throw E.invalidParameter(`Invalid parameter at 'imageTagMutability' failed to satisfy constraint: '${value} is not supported here; use MUTABLE or IMMUTABLE'`)
  }
  const repositoryOfArn = async (arn: string) => {
    const name = repositoryNameOfArn(arn)
    if (!name) throw E.invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: '${arn} is not an ECR repository ARN'`)
    return repositories.requireRepository(ctx, name)
  }
  return {
    model: 'ecr',
    mapViolations: (_operation, violations) => E.invalidParameter(formatViolations(violations)),
    handlers: {
      CreateRepository: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        checkTags(i.tags ?? [])
        if ((i.tags ?? []).length > 50) throw E.tooManyTags()
        const repo = await repositories.createRepository(ctx, {
          repositoryName: i.repositoryName,
          ...(mutability(i.imageTagMutability) ? { imageTagMutability: i.imageTagMutability as 'MUTABLE' | 'IMMUTABLE' } : {}),
          scanOnPush: i.imageScanningConfiguration?.scanOnPush ?? false,
          ...(i.encryptionConfiguration ? { encryptionType: i.encryptionConfiguration.encryptionType, ...(i.encryptionConfiguration.kmsKey ? { kmsKey: i.encryptionConfiguration.kmsKey } : {}) } : {}),
          tags: tagsOf(i.tags),
        })
        return { repository: repositoryView(ctx, repo) }
      },
      DescribeRepositories: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        let list = await ctx.store.registry.listRepositories()
        if (i.repositoryNames) {
          const byName = new Map(list.map((r) => [r.name, r]))
          list = i.repositoryNames.map((n) => byName.get(n) ?? (() => { throw E.repositoryNotFound(n, ctx.accountId) })())
        }
        const { page, nextToken } = paginate(list, i.nextToken, i.maxResults ?? 100, invalidToken)
        return { repositories: page.map((r) => repositoryView(ctx, r)), ...(nextToken ? { nextToken } : {}) }
      },
      DeleteRepository: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        const { repo } = await repositories.deleteRepository(ctx, i.repositoryName, i.force ?? false)
        return { repository: repositoryView(ctx, repo) }
      },
      PutImageTagMutability: async (i) => {
        const value = mutability(i.imageTagMutability) as 'MUTABLE' | 'IMMUTABLE'
        await repositories.updateRepository(ctx, i.repositoryName, (r) => ({ ...r, imageTagMutability: value }))
        return { registryId: ctx.accountId, repositoryName: i.repositoryName, imageTagMutability: value }
      },
      PutImageScanningConfiguration: async (i) => {
        const scanOnPush = i.imageScanningConfiguration.scanOnPush ?? false
        await repositories.updateRepository(ctx, i.repositoryName, (r) => ({ ...r, scanOnPush }))
        return { registryId: ctx.accountId, repositoryName: i.repositoryName, imageScanningConfiguration: { scanOnPush } }
      },

      GetAuthorizationToken: async (i, call) => {
        for (const id of i.registryIds ?? []) repositories.checkRegistryId(ctx, id)
        const data = await authorizationToken(ctx, call.accessKeyId)
        return { authorizationData: [data] }
      },

      PutImage: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        const body = Buffer.from(i.imageManifest, 'utf8')
        const pushed = await images.putManifest(ctx, i.repositoryName, body, {
          ...(i.imageManifestMediaType ? { contentType: i.imageManifestMediaType } : {}),
          ...(i.imageTag !== undefined ? { tag: i.imageTag } : {}),
          ...(i.imageDigest !== undefined ? { digest: i.imageDigest } : {}),
          refuseExisting: true,
        })
        return {
          image: {
            registryId: ctx.accountId, repositoryName: i.repositoryName,
            imageId: { imageDigest: pushed.digest, ...(pushed.tag !== undefined ? { imageTag: pushed.tag } : {}) },
            imageManifest: i.imageManifest, imageManifestMediaType: pushed.mediaType,
          },
        }
      },
      BatchGetImage: async (i) => {
        await repositories.requireRepository(ctx, i.repositoryName)
        const { done, failures } = await eachImageId(i.imageIds, async (id) => {
          const m = await images.findManifest(ctx, i.repositoryName, id.imageDigest ?? id.imageTag!)
          if (!m || (id.imageDigest && id.imageTag && (await ctx.store.registry.getTag(i.repositoryName, id.imageTag))?.digest !== id.imageDigest)) {
            return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } }
          }
          if (i.acceptedMediaTypes && !i.acceptedMediaTypes.includes(m.mediaType)) {
            return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: `The image's media type ${m.mediaType} is not among the accepted media types` } }
          }
          return {
            done: [{
              registryId: ctx.accountId, repositoryName: i.repositoryName,
              imageId: { imageDigest: m.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
              imageManifest: m.body.toString('utf8'), imageManifestMediaType: m.mediaType,
            }],
          }
        })
        return { images: done, failures }
      },
      BatchDeleteImage: async (i) => {
        await repositories.requireRepository(ctx, i.repositoryName)
        const { done, failures } = await eachImageId(i.imageIds, async (id) => {
          const result = await images.deleteImage(ctx, i.repositoryName, id)
          return 'failure' in result ? result : { done: result.deleted }
        })
        return { imageIds: done, failures }
      },
      DescribeImages: async (i) => {
        await repositories.requireRepository(ctx, i.repositoryName)
        let list = await images.listImages(ctx, i.repositoryName)
        if (i.imageIds) {
          const wanted = []
          for (const id of i.imageIds) {
            const hit = list.find((x) => (id.imageDigest === undefined || x.manifest.digest === id.imageDigest) && (id.imageTag === undefined || x.tags.some((t) => t.tag === id.imageTag)))
            if (!hit || (id.imageDigest === undefined && id.imageTag === undefined)) {
              throw E.imageNotFound(`The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${i.repositoryName}' in the registry with id '${ctx.accountId}'`)
            }
            wanted.push(hit)
          }
          list = wanted
        }
        const status = i.filter?.tagStatus ?? 'ANY'
        list = list.filter((x) => status === 'ANY' || (status === 'TAGGED') === x.tags.length > 0)
        const { page, nextToken } = paginate(list, i.nextToken, i.maxResults ?? 100, invalidToken)
        return { imageDetails: page.map((x) => imageDetailView(ctx, x.manifest, x.tags)), ...(nextToken ? { nextToken } : {}) }
      },
      ListImages: async (i) => {
        await repositories.requireRepository(ctx, i.repositoryName)
        const status = i.filter?.tagStatus ?? 'ANY'
        const ids = (await images.listImages(ctx, i.repositoryName))
          .filter((x) => status === 'ANY' || (status === 'TAGGED') === x.tags.length > 0)
          .flatMap((x) => (x.tags.length > 0 ? x.tags.map((t) => ({ imageDigest: x.manifest.digest, imageTag: t.tag })) : [{ imageDigest: x.manifest.digest }]))
        const { page, nextToken } = paginate(ids, i.nextToken, i.maxResults ?? 100, invalidToken)
        return { imageIds: page, ...(nextToken ? { nextToken } : {}) }
      },
      BatchCheckLayerAvailability: async (i) => {
        await repositories.requireRepository(ctx, i.repositoryName)
        const layers = []
        const failures = []
        for (const digest of i.layerDigests) {
          const blob = isDigest(digest) && (await ctx.store.registry.isLinked(i.repositoryName, digest)) ? await ctx.store.registry.getBlob(digest) : undefined
          if (blob) layers.push({ layerDigest: digest, layerAvailability: 'AVAILABLE' as const, layerSize: blob.size, mediaType: 'application/octet-stream' })
          else failures.push({ layerDigest: digest, failureCode: isDigest(digest) ? 'MissingLayerDigest' as const : 'InvalidLayerDigest' as const, failureReason: 'The layer is not in the repository' })
        }
        return { layers, failures }
      },

      PutLifecyclePolicy: async (i) => {
        repositories.checkLifecyclePolicy(i.lifecyclePolicyText)
        await repositories.updateRepository(ctx, i.repositoryName, (r) => ({ ...r, lifecyclePolicy: i.lifecyclePolicyText }))
        await images.applyLifecyclePolicy(ctx, i.repositoryName)
        return { registryId: ctx.accountId, repositoryName: i.repositoryName, lifecyclePolicyText: i.lifecyclePolicyText }
      },
      GetLifecyclePolicy: async (i) => {
        const repo = await repositories.requireRepository(ctx, i.repositoryName)
        if (!repo.lifecyclePolicy) throw E.lifecyclePolicyNotFound(repo.name, ctx.accountId)
        return { registryId: ctx.accountId, repositoryName: repo.name, lifecyclePolicyText: repo.lifecyclePolicy, ...(repo.lifecycleEvaluatedAt ? { lastEvaluatedAt: repo.lifecycleEvaluatedAt } : {}) }
      },
      DeleteLifecyclePolicy: async (i) => {
        const repo = await repositories.requireRepository(ctx, i.repositoryName)
        if (!repo.lifecyclePolicy) throw E.lifecyclePolicyNotFound(repo.name, ctx.accountId)
        await repositories.updateRepository(ctx, i.repositoryName, ({ lifecyclePolicy: _policy, lifecycleEvaluatedAt: _at, ...rest }) => rest)
        return { registryId: ctx.accountId, repositoryName: repo.name, lifecyclePolicyText: repo.lifecyclePolicy, ...(repo.lifecycleEvaluatedAt ? { lastEvaluatedAt: repo.lifecycleEvaluatedAt } : {}) }
      },

      TagResource: async (i) => {
        const repo = await repositoryOfArn(i.resourceArn)
        checkTags(i.tags)
        const arn = repositories.arnOf(ctx, repo.name)
        const merged = { ...(await ctx.store.tags.list(arn)), ...tagsOf(i.tags) }
        if (Object.keys(merged).length > 50) throw E.tooManyTags()
        await ctx.store.tags.put(arn, tagsOf(i.tags))
        return {}
      },
      UntagResource: async (i) => {
        const repo = await repositoryOfArn(i.resourceArn)
        await ctx.store.tags.remove(repositories.arnOf(ctx, repo.name), i.tagKeys)
        return {}
      },
      ListTagsForResource: async (i) => {
        const repo = await repositoryOfArn(i.resourceArn)
        const tags = await ctx.store.tags.list(repositories.arnOf(ctx, repo.name))
        return { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }
      },

      CreatePullThroughCacheRule: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        const rule = await pullThrough.createRule(ctx, i)
        return { ...pullThrough.ruleView(ctx, rule) }
      },
      DescribePullThroughCacheRules: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        let rules = await ctx.store.registry.listPullThroughRules()
        if (i.ecrRepositoryPrefixes) {
          const byPrefix = new Map(rules.map((r) => [r.prefix, r]))
          rules = i.ecrRepositoryPrefixes.map((p) => byPrefix.get(p) ?? (() => { throw E.pullThroughRuleNotFound(p) })())
        }
        const { page, nextToken } = paginate(rules, i.nextToken, i.maxResults ?? 100, invalidToken)
        return { pullThroughCacheRules: page.map((r) => pullThrough.ruleView(ctx, r)), ...(nextToken ? { nextToken } : {}) }
      },
      DeletePullThroughCacheRule: async (i) => {
        repositories.checkRegistryId(ctx, i.registryId)
        const rule = await pullThrough.deleteRule(ctx, i.ecrRepositoryPrefix)
        return { ...pullThrough.ruleView(ctx, rule) }
      },
    },
  }
}

type ImageIdentifier = images.ImageId
type ImageFailure = images.ImageFailure

/** Runs a batch operation per image id: malformed ids fail without `fn`; each id yields results or a failure. */
async function eachImageId<T>(ids: ImageIdentifier[], fn: (id: ImageIdentifier) => Promise<{ done: T[] } | { failure: ImageFailure }>): Promise<{ done: T[]; failures: ImageFailure[] }> {
  const done: T[] = []
  const failures: ImageFailure[] = []
  for (const id of ids) {
    const malformed = imageIdFailure(id)
    const result = malformed ? { failure: malformed } : await fn(id)
    if ('failure' in result) failures.push(result.failure)
    else done.push(...result.done)
  }
  return { done, failures }
}

function imageIdFailure(id: ImageIdentifier): ImageFailure | undefined {
  if (id.imageDigest === undefined && id.imageTag === undefined) return { imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Missing image digest and tag' }
  if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) return { imageId: id, failureCode: 'InvalidImageDigest', failureReason: 'Invalid request parameters: image digest should satisfy the regex \'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+\'' }
  return undefined
}
