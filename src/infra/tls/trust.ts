/**
 * Trusting a private CA in this process: every TLS client of Node (fetch included) then accepts
 * certificates it issued, besides the system's. For `--ca-bundle FILE` / `AWS_CA_BUNDLE`, and for a
 * server that runs its own agent and runner under its private CA.
 */
import fs from 'node:fs'
import tls from 'node:tls'

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** Adds the PEM certificates in `pem` to this process's default trusted CAs. */
export function trustCertificates(pem: string): void {
  const certificates = pem.match(PEM_CERTIFICATE) ?? []
  if (certificates.length === 0) throw new Error('no PEM certificate found')
  const current = tls.getCACertificates('default')
  tls.setDefaultCACertificates([...current, ...certificates.filter((c) => !current.includes(c))])
}

/** Trusts the certificates of a CA bundle file; a clear error when it cannot. */
export function trustCaBundleFile(file: string): void {
  let pem: string
  try {
    pem = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`cannot read the CA bundle ${file}: ${(err as Error).message}`)
  }
  try {
    trustCertificates(pem)
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`)
  }
}
