import type { ObjectStore } from '../../artifacts/ports.ts'
import type { ActionProvider } from './provider.ts'
import { putSingleFileZip } from './single-file-zip.ts'

/** An image as the ECR source action reads it (the registry context answers, through the server). */
export type ImageFacts = { registryId: string; repositoryName: string; digest: string; tags: string[]; sizeBytes: number; pushedAt: Date; repositoryUri: string }
/** Looks an image up by tag or digest; undefined when the repository or the image is not there. */
export type ImageLookup = (repository: string, reference: string) => Promise<ImageFacts | undefined>

export const DEFAULT_IMAGE_TAG = 'latest'

/** `Mon Jan 21 20:04:00 UTC 2019`, the date format AWS writes into imageDetail.json. */
function awsDate(d: Date): string {
  const [day, date, month, year, time] = d.toUTCString().replace(',', '').split(' ')
  return `${day} ${month} ${date} ${time} UTC ${year}`
}

/**
 * Source/ECR: the image a tag names (or the digest a push trigger recorded), as the `imageDetail.json`
 * artifact AWS writes and the output variables AWS names.
 */
export function ecrSource(deps: { objects: ObjectStore; images: ImageLookup }): ActionProvider {
  return {
    matches: (a) => a.category === 'Source' && a.owner === 'AWS' && a.provider === 'ECR',
    async run(job) {
      const config = job.run.resolvedConfiguration
      const repository = config.RepositoryName ?? ''
      const tag = config.ImageTag || DEFAULT_IMAGE_TAG
      const digest = job.execution.sourceOverrides.find((o) => o.actionName === job.action.name && o.revisionType === 'IMAGE_DIGEST')?.revisionValue
      const image = await deps.images(repository, digest ?? tag)
      if (!image) {
        const what = digest ? `the image ${digest}` : `an image tagged ${tag}`
        return { status: 'Failed', errorDetails: { code: 'RevisionUnavailable', message: `The ECR repository ${repository} has no ${what}` }, summary: 'Image not found' }
      }
      const imageUri = `${image.repositoryUri}@${image.digest}`
      const out = job.run.outputArtifacts[0]
      if (out) {
        const detail = {
          ImageSizeInBytes: String(image.sizeBytes),
          ImageDigest: image.digest,
          Version: '1.0',
          ImagePushedAt: awsDate(image.pushedAt),
          RegistryId: image.registryId,
          RepositoryName: image.repositoryName,
          ImageURI: imageUri,
          ImageTags: image.tags,
        }
        await putSingleFileZip(deps.objects, out, 'imageDetail.json', Buffer.from(JSON.stringify(detail, null, 2)))
      }
      return {
        status: 'Succeeded',
        summary: `Image tag: ${tag}`,
        externalExecutionId: image.digest,
        outputVariables: { RegistryId: image.registryId, RepositoryName: repository, ImageTag: tag, ImageDigest: image.digest, ImageURI: imageUri },
        sourceRevision: { revisionId: image.digest, revisionSummary: `Image tag: ${tag}`, revisionUrl: imageUri },
      }
    },
  }
}
