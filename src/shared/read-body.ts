import type { Readable } from 'node:stream'
import { AwsError } from './errors.ts'

/** Reads a (small) request body whole, refusing more than `limit` bytes. */
export async function readBody(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > limit) throw new AwsError('RequestEntityTooLarge', `Request body is larger than ${limit} bytes`, 413)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}
