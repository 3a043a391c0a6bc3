/**
 * ListBuckets, CreateBucket, HeadBucket, DeleteBucket, Get/PutBucketVersioning and GetBucketLocation.
 */
import { malformedXml, noSuchBucket } from '../../artifacts/model/errors.ts'
import { INTERNAL_BUCKETS } from '../../artifacts/model/names.ts'
import type { S3Call } from './s3-call.ts'
import { el, parseXmlBody, textOf, xmlDocument } from './xml.ts'

export async function listBuckets(call: S3Call): Promise<void> {
  const buckets = (await call.objects.listBuckets()).filter((b) => !INTERNAL_BUCKETS.includes(b.name))
  const items = buckets.map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', b.creationDate.toISOString())}</Bucket>`).join('')
  call.sendXml(xmlDocument('ListAllMyBucketsResult', `${call.ownerXml()}<Buckets>${items}</Buckets>`))
}

export async function createBucket(call: S3Call): Promise<void> {
  const body = await call.smallBody()
  if (body.length > 0) {
    const config = parseXmlBody(body, 'CreateBucketConfiguration')
    textOf(config, 'LocationConstraint')
  }
  await call.objects.createBucket(call.bucket)
  call.reply.header('location', `/${call.bucket}`)
  call.sendEmpty(200)
}

export async function headBucket(call: S3Call): Promise<void> {
  if (!(await call.objects.headBucket(call.bucket))) throw noSuchBucket(call.bucket)
  call.reply.header('x-amz-bucket-region', call.caller.region)
  call.sendEmpty(200)
}

export async function deleteBucket(call: S3Call): Promise<void> {
  await call.objects.deleteBucket(call.bucket)
  call.sendEmpty(204)
}

export async function getBucketVersioning(call: S3Call): Promise<void> {
  const status = await call.objects.getBucketVersioning(call.bucket)
  call.sendXml(xmlDocument('VersioningConfiguration', el('Status', status)))
}

export async function putBucketVersioning(call: S3Call): Promise<void> {
  const config = parseXmlBody(await call.smallBody(), 'VersioningConfiguration')
  const status = textOf(config, 'Status')
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml()
  await call.objects.putBucketVersioning(call.bucket, status)
  call.sendEmpty(200)
}

export async function getBucketLocation(call: S3Call): Promise<void> {
  if (!(await call.objects.headBucket(call.bucket))) throw noSuchBucket(call.bucket)
  const region = call.caller.region === 'us-east-1' ? '' : call.caller.region
  call.sendXml(xmlDocument('LocationConstraint', region.replace(/[^a-z0-9-]/g, '')))
}
