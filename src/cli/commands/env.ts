import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { awsCliFilesIn, envExports } from '../../identity/aws-cli-files.ts'
import { serverInfoFile } from '../../server/server.ts'
import type { CommandArgs } from '../main.ts'

/** `slipway env`: the export lines that point the AWS CLI at a data dir's server. */
export async function envCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const files = awsCliFilesIn(config.dataDir)
  if (!fs.existsSync(files.credentialsFile)) {
    process.stderr.write(`slipway: no credentials in ${config.dataDir} yet; start the server once with 'slipway up --data-dir ${config.dataDir}'\n`)
    return 1
  }
  let url: string | undefined
  let caBundle: string | undefined
  let region = config.region
  try {
    const info = JSON.parse(fs.readFileSync(serverInfoFile(config.dataDir), 'utf8')) as { url?: string; region?: string; caFile?: string }
    url = info.url
    caBundle = info.caFile
    region = info.region ?? region
  } catch {
    // Not running: the config file still names the last endpoint.
  }
  process.stdout.write(envExports(files, url, region, caBundle))
  return 0
}
