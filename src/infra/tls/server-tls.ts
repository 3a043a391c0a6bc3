/**
 * What the server's listener needs for TLS, from the configuration: the given certificate files, or
 * the data dir's private CA (whose certificate this process then trusts, so its own agent and runner
 * reach it).
 */
import fs from 'node:fs'
import type { TlsConfig } from '../../config/config.ts'
import { ConfigError } from '../../config/config-error.ts'
import { ensurePrivateCa } from './private-ca.ts'
import { trustCertificates } from './trust.ts'

export type ServerTls = { key: string; cert: string; caFile?: string }

export function serverTls(tls: TlsConfig, dataDir: string, host: string): ServerTls | undefined {
  if (tls.kind === 'off') return undefined
  if (tls.kind === 'files') {
    const read = (file: string, what: string) => {
      try {
        return fs.readFileSync(file, 'utf8')
      } catch (err) {
        throw new ConfigError(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`)
      }
    }
    return { cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'key') }
  }
  const ca = ensurePrivateCa(dataDir, host)
  trustCertificates(ca.caPem)
  return { cert: ca.server.certPem, key: ca.server.keyPem, caFile: ca.caFile }
}
