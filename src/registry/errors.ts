import { AwsError } from '../shared/errors.ts'

/** ECR's exceptions, with its messages. The distribution API maps them to its own codes at the edge. */
export const RegistryErrors = {
  invalidParameter: (message: string) => new AwsError('InvalidParameterException', message),
  repositoryNotFound: (name: string, registryId: string) =>
    new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`),
  repositoryExists: (name: string, registryId: string) =>
    new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${registryId}'`),
  repositoryNotEmpty: (name: string, registryId: string) =>
    new AwsError('RepositoryNotEmptyException', `The repository with name '${name}' in registry with id '${registryId}' cannot be deleted because it still contains images`),
  imageNotFound: (message: string) => new AwsError('ImageNotFoundException', message),
  tagImmutable: (tag: string, name: string) =>
    new AwsError('ImageTagAlreadyExistsException', `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`),
  imageExists: (tag: string, digest: string, name: string) =>
    new AwsError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${name}' in registry with id`),
  digestMismatch: (given: string, actual: string) =>
    new AwsError('ImageDigestDoesNotMatchException', `The image digest '${given}' does not match the digest of the manifest '${actual}'`),
  layersNotFound: (digests: string[]) => new AwsError('LayersNotFoundException', `The following layers are not found in the repository: ${digests.join(', ')}`),
  referencedImagesNotFound: (digests: string[]) =>
    new AwsError('ReferencedImagesNotFoundException', `The manifest list references images that are not in the repository: ${digests.join(', ')}`),
  layerNotFound: (digest: string, name: string) => new AwsError('LayersNotFoundException', `The layer '${digest}' is not in the repository '${name}'`),
  uploadNotFound: (id: string) => new AwsError('UploadNotFoundException', `The upload ${id} does not exist`),
  invalidLayer: (message: string) => new AwsError('InvalidLayerException', message),
  invalidRange: (message: string) => new AwsError('InvalidLayerPartException', message),
  lifecyclePolicyNotFound: (name: string, registryId: string) =>
    new AwsError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${registryId}'`),
  pullThroughRuleExists: (prefix: string) => new AwsError('PullThroughCacheRuleAlreadyExistsException', `A pull through cache rule with the prefix '${prefix}' already exists`),
  pullThroughRuleNotFound: (prefix: string) => new AwsError('PullThroughCacheRuleNotFoundException', `The pull through cache rule with the prefix '${prefix}' does not exist`),
  unsupportedUpstream: (message: string) => new AwsError('UnsupportedUpstreamRegistryException', message),
  invalidTag: (message: string) => new AwsError('InvalidTagParameterException', message),
  tooManyTags: () => new AwsError('TooManyTagsException', 'A repository can have at most 50 tags'),
} as const
