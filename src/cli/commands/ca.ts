import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { caFileOf } from '../../infra/tls/private-ca.ts'
import type { CommandArgs } from '../main.ts'

/** `slipway ca`: the data dir's private CA certificate (PEM), for clients to trust. */
export async function caCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const file = caFileOf(config.dataDir)
  let pem: string
  try {
    pem = fs.readFileSync(file, 'utf8')
  } catch {
    process.stderr.write(`slipway: no private CA in ${config.dataDir} yet; start the server once with --tls (or on an address other than loopback)\n`)
    return 1
  }
  process.stdout.write(pem)
  return 0
}
