/**
 * DeleteObjects (`POST /<bucket>?delete`): up to 1000 keys in one request, each deleted as DeleteObject
 * would; per-key failures are reported in the result, not as the request's error.
 */
import { malformedXml, noSuchBucket } from '../../artifacts/model/errors.ts'
import { AwsError } from '../../shared/errors.ts'
import type { S3Call } from './s3-call.ts'
import { el, listOf, parseXmlBody, textOf, xmlDocument } from './xml.ts'

const MAX_KEYS = 1000

export async function deleteObjects(call: S3Call): Promise<void> {
  const doc = parseXmlBody(await call.smallBody(), 'Delete')
  const quiet = (textOf(doc, 'Quiet') ?? 'false').trim() === 'true'
  const targets = listOf(doc, 'Object').map((object) => {
    const key = textOf(object, 'Key')
    if (key === undefined || key === '') throw malformedXml()
    const versionId = textOf(object, 'VersionId')
    return { key, ...(versionId !== undefined && versionId !== '' ? { versionId } : {}) }
  })
  if (targets.length === 0 || targets.length > MAX_KEYS) throw malformedXml()
  if (!(await call.objects.headBucket(call.bucket))) throw noSuchBucket(call.bucket)

  const results: string[] = []
  for (const target of targets) {
    try {
      const result = await call.objects.deleteObject(call.bucket, target.key, target.versionId !== undefined ? { versionId: target.versionId } : {})
      if (quiet) continue
      const marker = result.deleteMarker ? el('DeleteMarker', true) + el('DeleteMarkerVersionId', result.versionId) : ''
      results.push(`<Deleted>${el('Key', target.key)}${el('VersionId', target.versionId)}${marker}</Deleted>`)
    } catch (error) {
      if (!(error instanceof AwsError) || error.code === 'NoSuchBucket') throw error
      results.push(`<Error>${el('Key', target.key)}${el('VersionId', target.versionId)}${el('Code', error.code)}${el('Message', error.message)}</Error>`)
    }
  }
  call.sendXml(xmlDocument('DeleteResult', results.join('')))
}
