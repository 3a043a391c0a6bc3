/**
 * What the store keeps for the registry context (ECR): repositories, content-addressed blobs and the
 * repositories that hold them, manifests with their exact bytes, tags, uploads in progress and
 * pull-through cache rules.
 */
export type TagMutability = 'MUTABLE' | 'IMMUTABLE'

export type RepositoryRecord = {
  name: string
  createdAt: Date
  imageTagMutability: TagMutability
  scanOnPush: boolean
  encryptionType: string
  kmsKey?: string
  /** The lifecycle policy's JSON text, as PutLifecyclePolicy received it. */
  lifecyclePolicy?: string
  lifecycleEvaluatedAt?: Date
  /** Set for a repository a pull-through cache rule created on first pull. */
  pullThroughPrefix?: string
}

export type BlobRecord = { digest: string; objectKey: string; size: number; createdAt: Date }

export type ManifestRecord = {
  repository: string
  digest: string
  mediaType: string
  artifactType?: string
  body: Buffer
  /** The sum of the config and layer sizes (an index: of its own bytes), as ECR reports imageSizeInBytes. */
  imageSize: number
  /** The manifests an image index names. */
  children: string[]
  pushedAt: Date
  lastPulledAt?: Date
}

export type TagRecord = { repository: string; tag: string; digest: string; pushedAt: Date }

/** One chunk of an upload: its object, length, and SHA-256 of its bytes alone. */
export type UploadChunk = { key: string; size: number; sha256: string }
export type UploadRecord = { id: string; repository: string; startedAt: Date; chunks: UploadChunk[] }

export type PullThroughRuleRecord = {
  prefix: string
  upstreamRegistryUrl: string
  upstreamRegistry?: string
  credentialArn?: string
  createdAt: Date
  updatedAt: Date
}

export interface RegistryStore {
  insertRepository(r: RepositoryRecord): Promise<boolean>
  getRepository(name: string): Promise<RepositoryRecord | undefined>
  listRepositories(): Promise<RepositoryRecord[]>
  updateRepository(r: RepositoryRecord): Promise<void>
  /** Removes the repository with its manifests, tags, blob links and uploads (blobs stay, shared). */
  deleteRepository(name: string): Promise<void>

  getBlob(digest: string): Promise<BlobRecord | undefined>
  /** False when the digest is already stored (the caller's object is then surplus). */
  insertBlob(b: BlobRecord): Promise<boolean>
  linkBlob(repository: string, digest: string): Promise<void>
  isLinked(repository: string, digest: string): Promise<boolean>
  /** Which of `digests` the repository holds. */
  linkedOf(repository: string, digests: string[]): Promise<Set<string>>

  getManifest(repository: string, digest: string): Promise<ManifestRecord | undefined>
  /** Inserts unless the digest is already there (same bytes by definition). */
  putManifest(m: ManifestRecord): Promise<void>
  deleteManifest(repository: string, digest: string): Promise<void>
  listManifests(repository: string): Promise<ManifestRecord[]>
  /** Which of `digests` the repository has manifests for. */
  manifestsOf(repository: string, digests: string[]): Promise<Set<string>>
  touchPulled(repository: string, digest: string, at: Date): Promise<void>

  getTag(repository: string, tag: string): Promise<TagRecord | undefined>
  putTag(t: TagRecord): Promise<void>
  deleteTag(repository: string, tag: string): Promise<void>
  listTags(repository: string): Promise<TagRecord[]>

  insertUpload(u: UploadRecord): Promise<void>
  getUpload(id: string): Promise<UploadRecord | undefined>
  updateUpload(u: UploadRecord): Promise<void>
  deleteUpload(id: string): Promise<void>
  /** Uploads started before `before` (abandoned ones, for housekeeping). */
  staleUploads(before: Date): Promise<UploadRecord[]>

  insertPullThroughRule(r: PullThroughRuleRecord): Promise<boolean>
  listPullThroughRules(): Promise<PullThroughRuleRecord[]>
  updatePullThroughRule(r: PullThroughRuleRecord): Promise<void>
  deletePullThroughRule(prefix: string): Promise<boolean>
}
