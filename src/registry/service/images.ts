import { createHash } from 'node:crypto'
import type { ManifestRecord, TagRecord } from '../records.ts'
import type { ImageFailureCode } from '../../protocol/models/ecr.types.ts'
import { RegistryErrors as E } from '../errors.ts'
import { isDigest, isTag } from '../model/names.ts'
import { ManifestInvalid, parseManifest } from '../model/manifest.ts'
import { imagesToExpire, parseLifecyclePolicy } from '../model/lifecycle.ts'
import { repositoryLock, type RegistryContext, type RegistryTx } from './context.ts'
import { arnOf, requireRepository } from './repositories.ts'

/** The EventBridge detail-type ECR uses for pushes and deletions. */
export const IMAGE_ACTION = 'ECR Image Action'

export const manifestDigest = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

export type PushedImage = { digest: string; mediaType: string; tag?: string }

/**
 * Stores a manifest in a repository, optionally under a tag: the registry's manifest PUT and ECR's
 * PutImage. Every blob and child manifest it names must be in the repository already; an immutable
 * repository refuses to move an existing tag. The push event is written in the same transaction.
 */
export async function putManifest(
  ctx: RegistryContext,
  repository: string,
  body: Buffer,
  options: { contentType?: string; tag?: string; digest?: string; refuseExisting?: boolean },
): Promise<PushedImage> {
  const { record } = await storeManifest(ctx, repository, body, options, true)
  return { digest: record.digest, mediaType: record.mediaType, ...(options.tag !== undefined ? { tag: options.tag } : {}) }
}

/**
 * Stores a manifest fetched from a pull-through rule's upstream: its blobs and child manifests are
 * fetched when first asked for, so they need not be here yet.
 */
export async function cacheManifest(ctx: RegistryContext, repository: string, body: Buffer, contentType: string | undefined, ref: { tag: string } | { digest: string }): Promise<ManifestRecord> {
  const { record } = await storeManifest(ctx, repository, body, { ...(contentType ? { contentType } : {}), ...ref }, false)
  return record
}

async function storeManifest(
  ctx: RegistryContext,
  repository: string,
  body: Buffer,
  options: { contentType?: string; tag?: string; digest?: string; refuseExisting?: boolean },
  checkReferences: boolean,
): Promise<{ record: ManifestRecord }> {
  const repo = await requireRepository(ctx, repository)
  if (options.tag !== undefined && !isTag(options.tag)) throw E.invalidParameter(`Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}''`)
  let parsed
  try {
    parsed = parseManifest(body, options.contentType)
  } catch (err) {
    if (err instanceof ManifestInvalid) throw E.invalidParameter(`Invalid parameter at 'ImageManifest' failed to satisfy constraint: '${err.message}'`)
    throw err
  }
  const digest = manifestDigest(body)
  if (options.digest !== undefined && options.digest !== digest) throw E.digestMismatch(options.digest, digest)

  if (checkReferences) {
    const blobDigests = parsed.blobs.map((b) => b.digest)
    const linked = await ctx.store.registry.linkedOf(repository, blobDigests)
    const missing = [...new Set(blobDigests.filter((d) => !linked.has(d)))]
    if (missing.length > 0) throw E.layersNotFound(missing)
    const present = await ctx.store.registry.manifestsOf(repository, parsed.children)
    const missingChildren = parsed.children.filter((d) => !present.has(d))
    if (missingChildren.length > 0) throw E.referencedImagesNotFound(missingChildren)
  }

  const now = ctx.clock.now()
  const record: ManifestRecord = {
    repository,
    digest,
    mediaType: parsed.mediaType,
    ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
    body,
    imageSize: parsed.imageSize,
    children: parsed.children,
    pushedAt: now,
  }
  const tag = options.tag
  await ctx.store.transaction(async (tx) => {
    const existing = tag !== undefined ? await tx.registry.getTag(repository, tag) : undefined
    if (existing && existing.digest !== digest && repo.imageTagMutability === 'IMMUTABLE' && checkReferences) throw E.tagImmutable(tag!, repository)
    const stored = await tx.registry.getManifest(repository, digest)
    if (options.refuseExisting && stored && (tag === undefined || existing?.digest === digest)) throw E.imageExists(tag ?? '', digest, repository)
    if (!stored) await tx.registry.putManifest(record)
    const moved = tag !== undefined && existing?.digest !== digest
    // A pull-through refresh that finds the same digest marks the tag fresh again.
    if (moved || (tag !== undefined && !checkReferences)) await tx.registry.putTag({ repository, tag, digest, pushedAt: now })
    if (!stored || moved) await appendImageAction(ctx, tx, 'PUSH', repository, digest, tag, parsed.mediaType)
  }, { lock: repositoryLock(repository) })
  ctx.flush()
  if (repo.lifecyclePolicy) await applyLifecyclePolicy(ctx, repository)
  return { record }
}

async function appendImageAction(ctx: RegistryContext, tx: RegistryTx, action: 'PUSH' | 'DELETE' | 'EXPIRED', repository: string, digest: string, tag: string | undefined, mediaType?: string): Promise<void> {
  await tx.events.append({
    type: IMAGE_ACTION,
    source: 'aws.ecr',
    resource: arnOf(ctx, repository),
    detail: {
      'result': 'SUCCESS',
      'repository-name': repository,
      'image-digest': digest,
      'action-type': action,
      ...(tag !== undefined ? { 'image-tag': tag } : {}),
      ...(mediaType ? { 'manifest-media-type': mediaType } : {}),
    },
    at: ctx.clock.now(),
  })
}

/** A manifest by tag or digest; undefined when the repository has none such. */
export async function findManifest(ctx: RegistryContext, repository: string, reference: string): Promise<ManifestRecord | undefined> {
  let digest = reference
  if (!isDigest(reference)) {
    const tag = await ctx.store.registry.getTag(repository, reference)
    if (!tag) return undefined
    digest = tag.digest
  }
  return ctx.store.registry.getManifest(repository, digest)
}

export type ImageId = { imageDigest?: string; imageTag?: string }
export type ImageFailure = { imageId: ImageId; failureCode: ImageFailureCode; failureReason: string }

/**
 * BatchDeleteImage for one id: a tag alone removes the tag (and the image with its last tag, as ECR
 * does); a digest removes the image with all its tags.
 */
export async function deleteImage(ctx: RegistryContext, repository: string, id: ImageId): Promise<{ deleted: ImageId[] } | { failure: ImageFailure }> {
  return ctx.store.transaction(async (tx) => {
    const tag = id.imageTag !== undefined ? await tx.registry.getTag(repository, id.imageTag) : undefined
    if (id.imageTag !== undefined && !tag) return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } }
    if (id.imageDigest !== undefined && tag && tag.digest !== id.imageDigest) {
      return { failure: { imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid image tag for the image digest' } }
    }
    const digest = id.imageDigest ?? tag!.digest
    const manifest = await tx.registry.getManifest(repository, digest)
    if (!manifest) return { failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' } }
    const tags = (await tx.registry.listTags(repository)).filter((t) => t.digest === digest)
    const removesImage = id.imageDigest !== undefined || tags.length <= 1
    if (removesImage && (await tx.registry.listManifests(repository)).some((m) => m.children.includes(digest))) {
      return { failure: { imageId: id, failureCode: 'ImageReferencedByManifestList', failureReason: 'The image is referenced by an image index in the repository; delete the index first' } }
    }
    if (id.imageDigest === undefined && tags.length > 1) {
      await tx.registry.deleteTag(repository, id.imageTag!)
      await appendImageAction(ctx, tx, 'DELETE', repository, digest, id.imageTag)
      return { deleted: [{ imageDigest: digest, imageTag: id.imageTag! }] }
    }
    await tx.registry.deleteManifest(repository, digest)
    await appendImageAction(ctx, tx, 'DELETE', repository, digest, undefined)
    return { deleted: tags.length > 0 ? tags.map((t) => ({ imageDigest: digest, imageTag: t.tag })) : [{ imageDigest: digest }] }
  }, { lock: repositoryLock(repository) })
}

/** A repository's images: every manifest with its tags. */
export async function listImages(ctx: RegistryContext, repository: string): Promise<{ manifest: ManifestRecord; tags: TagRecord[] }[]> {
  const [manifests, tags] = await Promise.all([ctx.store.registry.listManifests(repository), ctx.store.registry.listTags(repository)])
  const byDigest = new Map<string, TagRecord[]>()
  for (const t of tags) byDigest.set(t.digest, [...(byDigest.get(t.digest) ?? []), t])
  return manifests.map((manifest) => ({ manifest, tags: byDigest.get(manifest.digest) ?? [] }))
}

/**
 * Applies the repository's lifecycle policy now: expires what its rules select. Images an index
 * names are kept while the index is there (expiring one would break the index).
 */
export async function applyLifecyclePolicy(ctx: RegistryContext, repository: string): Promise<string[]> {
  return ctx.store.transaction(async (tx) => {
    const repo = await tx.registry.getRepository(repository)
    if (!repo?.lifecyclePolicy) return []
    const rules = parseLifecyclePolicy(repo.lifecyclePolicy)
    const manifests = await tx.registry.listManifests(repository)
    const tags = await tx.registry.listTags(repository)
    const children = new Set(manifests.flatMap((m) => m.children))
    const images = manifests.filter((m) => !children.has(m.digest)).map((m) => ({
      digest: m.digest,
      tags: tags.filter((t) => t.digest === m.digest).map((t) => t.tag),
      pushedAt: m.pushedAt,
    }))
    const now = ctx.clock.now()
    const expired = imagesToExpire(rules, images, now)
    for (const digest of expired) {
      await tx.registry.deleteManifest(repository, digest)
      await appendImageAction(ctx, tx, 'EXPIRED', repository, digest, undefined)
    }
    await tx.registry.updateRepository({ ...repo, lifecycleEvaluatedAt: now })
    return expired
  }, { lock: repositoryLock(repository) })
}

