import type { ObjectStore } from '../../artifacts/ports.ts'
import type { ActionProvider } from './provider.ts'

/** Source/S3: the watched object (a zip), at the triggering version, copied as the output artifact. */
export function s3Source(deps: { objects: ObjectStore }): ActionProvider {
  return {
    matches: (a) => a.category === 'Source' && a.owner === 'AWS' && a.provider === 'S3',
    async run(job) {
      const bucket = job.run.resolvedConfiguration.S3Bucket ?? ''
      const key = job.run.resolvedConfiguration.S3ObjectKey ?? ''
      const version = job.execution.sourceOverrides.find((o) => o.actionName === job.action.name && o.revisionType === 'S3_OBJECT_VERSION_ID')?.revisionValue
      let meta
      try {
        meta = await deps.objects.headObject(bucket, key, { versionId: version })
      } catch (err) {
        return { status: 'Failed', errorDetails: { code: 'RevisionUnavailable', message: `s3://${bucket}/${key}: ${(err as Error).message}` }, summary: 'Source object unavailable' }
      }
      const out = job.run.outputArtifacts[0]
      if (out) await deps.objects.copyObject({ bucket, key, versionId: meta.versionId ?? undefined }, { bucket: out.bucket, key: out.key })
      const etag = meta.etag.replaceAll('"', '')
      return {
        status: 'Succeeded',
        summary: `s3://${bucket}/${key}`,
        externalExecutionId: meta.versionId ?? etag,
        outputVariables: { ETag: etag, VersionId: meta.versionId ?? '' },
        sourceRevision: { revisionId: meta.versionId ?? etag, revisionSummary: `s3://${bucket}/${key}`, revisionUrl: `s3://${bucket}/${key}` },
      }
    },
  }
}
