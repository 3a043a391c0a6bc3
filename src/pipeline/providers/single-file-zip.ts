import { PassThrough } from 'node:stream'
import type { ObjectStore } from '../../artifacts/ports.ts'

/** Writes an output artifact that is a zip of one file (a clone reference, an imageDetail.json). */
export async function putSingleFileZip(objects: ObjectStore, out: { bucket: string; key: string }, name: string, content: Buffer): Promise<void> {
  const yazl = (await import('yazl')).default
  const zip = new yazl.ZipFile()
  zip.addBuffer(content, name)
  zip.end()
  const body = new PassThrough()
  zip.outputStream.pipe(body)
  await objects.putObject(out.bucket, out.key, body, { contentType: 'application/zip' })
}
