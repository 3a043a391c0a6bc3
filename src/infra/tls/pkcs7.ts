/**
 * PKCS#7 signed data in PEM, the `PKCS7/JSON` envelope of a CodeDeploy deployment specification:
 * the content attached, one signer (SHA-256 with RSA), its certificate included. The CodeDeploy
 * agent opens it with OpenSSL (`OpenSSL::PKCS7#verify`), Slipway's agent with `openPkcs7`.
 */
import forge from 'node-forge'
import type { KeyAndCertificate } from './private-ca.ts'

/** Signs `content` (UTF-8 text) and returns the PEM envelope. */
export function signPkcs7(content: string, signer: KeyAndCertificate): string {
  const p7 = forge.pkcs7.createSignedData()
  p7.content = forge.util.createBuffer(forge.util.encodeUtf8(content))
  const certificate = forge.pki.certificateFromPem(signer.certPem)
  p7.addCertificate(certificate)
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(signer.keyPem),
    certificate,
    digestAlgorithm: forge.pki.oids.sha256 ?? '2.16.840.1.101.3.4.2.1',
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType ?? '1.2.840.113549.1.9.3', value: forge.pki.oids.data },
      { type: forge.pki.oids.messageDigest ?? '1.2.840.113549.1.9.4' },
      { type: forge.pki.oids.signingTime ?? '1.2.840.113549.1.9.5', value: new Date() as unknown as string },
    ],
  })
  p7.sign()
  return forge.pkcs7.messageToPem(p7)
}

/**
 * The content of a PEM PKCS#7 signed-data envelope, without checking who signed it (the CodeDeploy
 * agent's `NOVERIFY`). Throws on anything that is not signed data with attached content.
 */
export function openPkcs7(pem: string): string {
  const message = forge.pkcs7.messageFromPem(pem) as { rawCapture?: { content?: forge.asn1.Asn1 } }
  // forge leaves signed data's content in the raw capture: [0] EXPLICIT OCTET STRING (maybe in chunks).
  const content = message.rawCapture?.content
  if (!content) throw new Error('the envelope is not signed data with attached content')
  return forge.util.decodeUtf8(asn1Bytes(content))
}

function asn1Bytes(node: forge.asn1.Asn1): string {
  if (typeof node.value === 'string') return node.value
  return node.value.map((child) => asn1Bytes(child)).join('')
}
