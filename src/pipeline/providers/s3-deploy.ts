import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { ObjectStore } from '../../artifacts/ports.ts'
import { extractZipFile } from '../../shared/zip.ts'
import type { ActionProvider } from './provider.ts'

/** Deploy/S3: the input artifact extracted into a bucket (under ObjectKey, if given) or copied as ObjectKey. */
export function s3Deploy(deps: { objects: ObjectStore }): ActionProvider {
  return {
    matches: (a) => a.category === 'Deploy' && a.owner === 'AWS' && a.provider === 'S3',
    async run(job) {
      const c = job.run.resolvedConfiguration
      const input = job.run.inputArtifacts[0]
      if (!input) return { status: 'Failed', errorDetails: { code: 'ConfigurationError', message: 'Deploy/S3 needs one input artifact' } }
      const bucket = c.BucketName ?? ''
      if (c.Extract !== 'true') {
        await deps.objects.copyObject({ bucket: input.bucket, key: input.key }, { bucket, key: c.ObjectKey ?? input.name })
        return { status: 'Succeeded', summary: `Copied to s3://${bucket}/${c.ObjectKey ?? input.name}` }
      }
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-s3deploy-'))
      try {
        const zip = path.join(tmp, 'artifact.zip')
        await pipeline((await deps.objects.getObject(input.bucket, input.key)).body, fs.createWriteStream(zip))
        const dir = path.join(tmp, 'x')
        await extractZipFile(zip, dir)
        const prefix = (c.ObjectKey ?? '').replace(/^\/+|\/+$/g, '')
        let count = 0
        const walk = async (d: string, rel: string) => {
          for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const r = rel ? `${rel}/${e.name}` : e.name
            if (e.isDirectory()) await walk(path.join(d, e.name), r)
            else if (e.isFile()) {
              await deps.objects.putObject(bucket, prefix ? `${prefix}/${r}` : r, fs.createReadStream(path.join(d, e.name)))
              count++
            }
          }
        }
        await walk(dir, '')
        return { status: 'Succeeded', summary: `Extracted ${count} files to s3://${bucket}/${prefix}` }
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true })
      }
    },
  }
}
