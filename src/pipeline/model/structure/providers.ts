/**
 * The action types Slipway runs itself, with the configuration keys and artifact counts AWS documents
 * for them (reference: file-formats.md §4.3). The service passes these, plus the account's custom
 * action types, to `validatePipeline` as `knownProviders`.
 */
import type { ActionTypeId } from '../../../protocol/models/codepipeline.types.ts'
import type { ProviderSpec } from './types.ts'

const CODEBUILD_KEYS: Pick<ProviderSpec, 'requiredConfiguration' | 'optionalConfiguration' | 'outputVariables'> = {
  requiredConfiguration: ['ProjectName'],
  optionalConfiguration: ['PrimarySource', 'BatchEnabled', 'CombineArtifacts', 'EnvironmentVariables'],
  outputVariables: 'dynamic',
}

/** Output variables of a CodeCommit source action. */
export const CODECOMMIT_OUTPUT_VARIABLES = ['CommitId', 'CommitMessage', 'RepositoryName', 'BranchName', 'AuthorDate', 'CommitterDate'] as const

/** Manual approval default timeout: 7 days. */
export const DEFAULT_APPROVAL_TIMEOUT_MINUTES = 7 * 24 * 60

const SPECS: ProviderSpec[] = [
  {
    category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1',
    requiredConfiguration: ['RepositoryName', 'BranchName'],
    optionalConfiguration: ['PollForSourceChanges', 'OutputArtifactFormat'],
    inputArtifacts: [0, 0], outputArtifacts: [1, 1],
    outputVariables: CODECOMMIT_OUTPUT_VARIABLES,
  },
  {
    category: 'Source', owner: 'AWS', provider: 'S3', version: '1',
    requiredConfiguration: ['S3Bucket', 'S3ObjectKey'],
    optionalConfiguration: ['PollForSourceChanges'],
    inputArtifacts: [0, 0], outputArtifacts: [1, 1],
    outputVariables: ['ETag', 'VersionId'],
  },
  {
    category: 'Source', owner: 'AWS', provider: 'ECR', version: '1',
    requiredConfiguration: ['RepositoryName'],
    optionalConfiguration: ['ImageTag'],
    inputArtifacts: [0, 0], outputArtifacts: [1, 1],
    outputVariables: ['RegistryId', 'RepositoryName', 'ImageTag', 'ImageDigest', 'ImageURI'],
  },
  { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1', ...CODEBUILD_KEYS, inputArtifacts: [1, 5], outputArtifacts: [0, 5] },
  {
    category: 'Build', owner: 'AWS', provider: 'ECRBuildAndPublish', version: '1',
    requiredConfiguration: ['ECRRepositoryName'],
    optionalConfiguration: ['DockerFilePath', 'ImageTags', 'RegistryType'],
    inputArtifacts: [1, 1], outputArtifacts: [0, 0],
    outputVariables: ['ECRImageDigestId', 'ECRRepositoryName'],
  },
  { category: 'Test', owner: 'AWS', provider: 'CodeBuild', version: '1', ...CODEBUILD_KEYS, inputArtifacts: [1, 5], outputArtifacts: [0, 5] },
  {
    category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1',
    requiredConfiguration: [],
    optionalConfiguration: ['NotificationArn', 'CustomData', 'ExternalEntityLink'],
    inputArtifacts: [0, 0], outputArtifacts: [0, 0],
    timeoutInMinutes: [5, 86400],
  },
  {
    category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1',
    requiredConfiguration: ['ApplicationName', 'DeploymentGroupName'],
    optionalConfiguration: [],
    inputArtifacts: [1, 1], outputArtifacts: [0, 0],
  },
  {
    category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1',
    requiredConfiguration: ['BucketName', 'Extract'],
    optionalConfiguration: ['ObjectKey', 'KMSEncryptionKeyARN', 'CannedACL', 'CacheControl'],
    inputArtifacts: [1, 1], outputArtifacts: [0, 0],
  },
  {
    category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1',
    requiredConfiguration: [],
    optionalConfiguration: ['Image', 'ComputeType'],
    inputArtifacts: [0, 10], outputArtifacts: [0, 10],
    outputVariables: 'dynamic',
    commands: [1, 50],
    acceptsDeclaredVariables: true,
  },
]

export const BUILT_IN_PROVIDERS: readonly ProviderSpec[] = Object.freeze(SPECS.map((spec) => Object.freeze(spec)))

/** `Category/Owner/Provider/Version`, the key a provider is looked up by. */
export function providerKey(id: Pick<ActionTypeId, 'category' | 'owner' | 'provider' | 'version'>): string {
  return `${id.category}/${id.owner}/${id.provider}/${id.version}`
}

/** The spec for an action type, or undefined when Slipway does not know it. */
export function findProvider(known: readonly ProviderSpec[], id: ActionTypeId): ProviderSpec | undefined {
  const key = providerKey(id)
  return known.find((spec) => providerKey(spec) === key)
}
