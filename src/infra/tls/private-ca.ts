/**
 * The private certificate authority a server keeps in its data dir (`<data-dir>/tls/`): a CA
 * certificate clients are told to trust (`slipway ca` prints it), a server certificate it issued
 * for the names and addresses the server answers on, and a signing certificate for the deployment
 * specifications agents receive (`PKCS7/JSON`). Created once, kept across restarts; a server
 * certificate that no longer covers the configured host, or nears its end, is issued anew under the
 * same CA. Keys are RSA 2048 (what every TLS stack and the CodeDeploy agent's OpenSSL accept), files
 * mode 0600.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import forge from 'node-forge'

export type KeyAndCertificate = { keyPem: string; certPem: string }

export type PrivateCa = {
  /** The CA certificate file clients trust (`AWS_CA_BUNDLE`, `SSL_CERT_FILE`, `--ca-bundle`). */
  caFile: string
  caPem: string
  /** The server's TLS certificate (chain: leaf then CA) and key. */
  server: KeyAndCertificate
}

const DAY_MS = 86_400_000

export const tlsDirOf = (dataDir: string) => path.join(dataDir, 'tls')
export const caFileOf = (dataDir: string) => path.join(tlsDirOf(dataDir), 'ca.pem')

function rsaKeyPem(): string {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}

function serial(): string {
  // Positive (first byte below 0x80), 16 random bytes.
  const bytes = crypto.randomBytes(16)
  bytes[0] = (bytes[0] ?? 0) & 0x7f
  return bytes.toString('hex')
}

type Issue = { subject: string; days: number; extensions: object[]; keyPem: string; issuer?: KeyAndCertificate }

function issue({ subject, days, extensions, keyPem, issuer }: Issue): string {
  const key = forge.pki.privateKeyFromPem(keyPem)
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e)
  cert.serialNumber = serial()
  const now = Date.now()
  cert.validity.notBefore = new Date(now - DAY_MS)
  cert.validity.notAfter = new Date(now + days * DAY_MS)
  cert.setSubject([{ name: 'commonName', value: subject }, { name: 'organizationName', value: 'Slipway' }])
  const issuerCert = issuer ? forge.pki.certificateFromPem(issuer.certPem) : undefined
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : cert.subject.attributes)
  cert.setExtensions([...extensions, { name: 'subjectKeyIdentifier' }])
  cert.sign(issuer ? forge.pki.privateKeyFromPem(issuer.keyPem) : key, forge.md.sha256.create())
  return forge.pki.certificateToPem(cert)
}

const isIp = (name: string) => /^[\d.]+$/.test(name) || name.includes(':')

/** The names a server certificate covers: loopback, this machine's name, and the configured host. */
export function serverNames(host: string): string[] {
  const bare = host.replace(/^\[|\]$/g, '')
  const names = new Set(['localhost', '127.0.0.1', '::1', os.hostname()])
  if (bare !== '0.0.0.0' && bare !== '::') names.add(bare)
  else for (const addresses of Object.values(os.networkInterfaces())) for (const a of addresses ?? []) names.add(a.address)
  return [...names]
}

function covers(certPem: string, names: readonly string[]): boolean {
  const cert = new crypto.X509Certificate(certPem)
  if (new Date(cert.validTo).getTime() - Date.now() < 30 * DAY_MS) return false
  return names.every((n) => (isIp(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n) !== undefined))
}

function write(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, text, { mode: 0o600 })
  fs.renameSync(tmp, file)
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function ensureCa(dir: string): KeyAndCertificate {
  const keyPem = read(path.join(dir, 'ca-key.pem'))
  const certPem = read(path.join(dir, 'ca.pem'))
  if (keyPem && certPem) return { keyPem, certPem }
  const key = rsaKeyPem()
  const cert = issue({
    subject: `Slipway private CA (${os.hostname()})`,
    days: 3650,
    keyPem: key,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  })
  write(path.join(dir, 'ca-key.pem'), key)
  write(path.join(dir, 'ca.pem'), cert)
  return { keyPem: key, certPem: cert }
}

/** Loads (or creates) the data dir's CA and a server certificate covering `host`. */
export function ensurePrivateCa(dataDir: string, host: string): PrivateCa {
  const dir = tlsDirOf(dataDir)
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const ca = ensureCa(dir)
  const names = serverNames(host)
  const keyFile = path.join(dir, 'server-key.pem')
  const certFile = path.join(dir, 'server.pem')
  let keyPem = read(keyFile)
  let leafPem = read(certFile)
  if (!keyPem || !leafPem || !covers(leafPem, names)) {
    keyPem = rsaKeyPem()
    leafPem = issue({
      subject: names.find((n) => !isIp(n) && n !== 'localhost') ?? 'localhost',
      days: 825,
      keyPem,
      issuer: ca,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((n) => (isIp(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
      ],
    })
    write(keyFile, keyPem)
    write(certFile, leafPem)
  }
  return { caFile: path.join(dir, 'ca.pem'), caPem: ca.certPem, server: { keyPem, certPem: leafPem + ca.certPem } }
}

/**
 * The key and certificate that sign deployment specifications (`PKCS7/JSON`), named as AWS's signer
 * is (`codedeploy-signer-<region>.amazonaws.com`) and issued by the data dir's CA. The CodeDeploy
 * agent checks the signature, not who signed (it opens the envelope with `NOVERIFY`).
 */
export function ensureDeploymentSigner(dataDir: string, region: string): KeyAndCertificate {
  const dir = tlsDirOf(dataDir)
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const keyFile = path.join(dir, 'signer-key.pem')
  const certFile = path.join(dir, 'signer.pem')
  const keyPem = read(keyFile)
  const certPem = read(certFile)
  const subject = `codedeploy-signer-${region}.amazonaws.com`
  if (keyPem && certPem && new crypto.X509Certificate(certPem).subject.includes(`CN=${subject}`)) return { keyPem, certPem }
  const ca = ensureCa(dir)
  const key = rsaKeyPem()
  const cert = issue({ subject, days: 3650, keyPem: key, issuer: ca, extensions: [{ name: 'keyUsage', digitalSignature: true, critical: true }] })
  write(keyFile, key)
  write(certFile, cert)
  return { keyPem: key, certPem: cert }
}
