import type { ImageDetail, Repository } from '../../protocol/models/ecr.types.ts'
import type { ManifestRecord, RepositoryRecord, TagRecord } from '../records.ts'
import type { RegistryContext } from '../service/context.ts'
import { arnOf, uriOf } from '../service/repositories.ts'

export const repositoryView = (ctx: RegistryContext, r: RepositoryRecord): Repository => ({
  repositoryArn: arnOf(ctx, r.name),
  registryId: ctx.accountId,
  repositoryName: r.name,
  repositoryUri: uriOf(ctx, r.name),
  createdAt: r.createdAt,
  imageTagMutability: r.imageTagMutability,
  imageScanningConfiguration: { scanOnPush: r.scanOnPush },
  encryptionConfiguration: { encryptionType: r.encryptionType as 'AES256', ...(r.kmsKey ? { kmsKey: r.kmsKey } : {}) },
})

export const imageDetailView = (ctx: RegistryContext, m: ManifestRecord, tags: TagRecord[]): ImageDetail => ({
  registryId: ctx.accountId,
  repositoryName: m.repository,
  imageDigest: m.digest,
  ...(tags.length > 0 ? { imageTags: tags.map((t) => t.tag) } : {}),
  imageSizeInBytes: m.imageSize,
  imagePushedAt: m.pushedAt,
  imageManifestMediaType: m.mediaType,
  ...(m.artifactType ? { artifactMediaType: m.artifactType } : {}),
  ...(m.lastPulledAt ? { lastRecordedPullTime: m.lastPulledAt } : {}),
})
