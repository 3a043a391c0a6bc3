/**
 * Manifests the registry stores: Docker schema 2 and OCI image manifests, Docker manifest lists and OCI
 * image indexes. Parsing checks what a later pull depends on (the shape, the referenced digests) and
 * reads what ECR reports (media type, artifact type, image size).
 */
import { isDigest } from './names.ts'

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const

export const MANIFEST_TYPES: readonly string[] = [MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.ociIndex]
const INDEX_TYPES: readonly string[] = [MEDIA.dockerList, MEDIA.ociIndex]

/** At most 4 MiB, as ECR and distribution allow. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

export type ParsedManifest = {
  mediaType: string
  artifactType?: string
  /** Blobs the manifest names (config, layers), each must be in the repository. */
  blobs: { digest: string; size: number }[]
  /** Manifests an index names, each must be in the repository. */
  children: string[]
  /** Config plus layers (an index: its own length). */
  imageSize: number
}

export class ManifestInvalid extends Error {}

type Descriptor = { mediaType?: unknown; digest?: unknown; size?: unknown; urls?: unknown }

function descriptor(value: unknown, where: string): { digest: string; size: number; mediaType?: string; foreign: boolean } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ManifestInvalid(`${where} must be a descriptor object`)
  const d = value as Descriptor
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw new ManifestInvalid(`${where}.digest must be a sha256 digest`)
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new ManifestInvalid(`${where}.size must be a non-negative integer`)
  const mediaType = typeof d.mediaType === 'string' ? d.mediaType : undefined
  // Foreign (non-distributable) layers live elsewhere (urls); the registry need not hold them.
  const foreign = Array.isArray(d.urls) && d.urls.length > 0 && /nondistributable|foreign/.test(mediaType ?? '')
  return { digest: d.digest, size: d.size, ...(mediaType ? { mediaType } : {}), foreign }
}

/**
 * Parses manifest bytes. `contentType` is the request's Content-Type (or PutImage's
 * imageManifestMediaType); the body's own `mediaType` wins when the two are absent or generic.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new ManifestInvalid(`the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`)
  const text = bytes.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new ManifestInvalid('the manifest is not UTF-8')
  let doc: Record<string, unknown>
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    doc = parsed as Record<string, unknown>
  } catch {
    throw new ManifestInvalid('the manifest is not a JSON object')
  }
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined
  const header = contentType?.split(';')[0]?.trim()
  const generic = !header || header === 'application/json' || header === 'application/octet-stream'
  let mediaType = generic ? declared : header
  if (!mediaType) mediaType = Array.isArray(doc.manifests) ? MEDIA.ociIndex : MEDIA.ociManifest
  if (mediaType === MEDIA.dockerSchema1 || mediaType === MEDIA.dockerSchema1Signed) throw new ManifestInvalid('Docker image manifest schema 1 is not supported; push with schema 2 or OCI')
  if (!MANIFEST_TYPES.includes(mediaType)) throw new ManifestInvalid(`unsupported manifest media type ${mediaType}`)
  if (declared !== undefined && declared !== mediaType) throw new ManifestInvalid(`the manifest's mediaType ${declared} does not match ${mediaType}`)
  if (doc.schemaVersion !== 2) throw new ManifestInvalid('schemaVersion must be 2')
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : undefined

  if (INDEX_TYPES.includes(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw new ManifestInvalid('an image index needs a manifests list')
    const children = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`).digest)
    return { mediaType, ...(artifactType ? { artifactType } : {}), blobs: [], children: [...new Set(children)], imageSize: bytes.length }
  }
  const config = descriptor(doc.config, 'config')
  if (!Array.isArray(doc.layers)) throw new ManifestInvalid('an image manifest needs a layers list')
  const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`))
  const blobs = [config, ...layers.filter((l) => !l.foreign)].map(({ digest, size }) => ({ digest, size }))
  const imageSize = config.size + layers.reduce((sum, l) => sum + l.size, 0)
  const configType = config.mediaType
  const artifact = artifactType ?? (mediaType === MEDIA.ociManifest && configType && configType !== 'application/vnd.oci.image.config.v1+json' ? configType : undefined)
  return { mediaType, ...(artifact ? { artifactType: artifact } : {}), blobs, children: [], imageSize }
}

export const isIndex = (mediaType: string): boolean => INDEX_TYPES.includes(mediaType)
