import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { buildConfig, ConfigError } from '../../src/config/config.ts'
import { ensureDeploymentSigner, ensurePrivateCa } from '../../src/infra/tls/private-ca.ts'
import { openPkcs7, signPkcs7 } from '../../src/infra/tls/pkcs7.ts'
import { decodeDeploymentSpecification } from '../../src/agent/deployment-spec.ts'
import { run } from '../helpers/run.ts'
import { tempDir } from '../helpers/server.ts'

describe('TLS configuration', () => {
  const tls = (input: Parameters<typeof buildConfig>[0], env: NodeJS.ProcessEnv = {}) => buildConfig(input, env, '/srv').tls

  it('is plain HTTP on loopback, the private CA elsewhere, and the given files with --tls-cert/--tls-key', () => {
    assert.deepEqual(tls({}), { kind: 'off' })
    assert.deepEqual(tls({ host: 'localhost' }), { kind: 'off' })
    assert.deepEqual(tls({ host: '0.0.0.0' }), { kind: 'private-ca' })
    assert.deepEqual(tls({ host: '0.0.0.0', tls: false }), { kind: 'off' })
    assert.deepEqual(tls({ tls: true }), { kind: 'private-ca' })
    assert.deepEqual(tls({}, { SLIPWAY_TLS: 'on' }), { kind: 'private-ca' })
    assert.deepEqual(tls({ host: '10.0.0.5' }, { SLIPWAY_TLS: 'off' }), { kind: 'off' })
    assert.deepEqual(tls({ tlsCert: 'c.pem', tlsKey: 'k.pem' }), { kind: 'files', certFile: '/srv/c.pem', keyFile: '/srv/k.pem' })
  })

  it('refuses a certificate without its key, and --no-tls with files', () => {
    assert.throws(() => tls({ tlsCert: 'c.pem' }), (err: Error) => err instanceof ConfigError && /--tls-cert and --tls-key go together/.test(err.message))
    assert.throws(() => tls({ tlsCert: 'c.pem', tlsKey: 'k.pem', tls: false }), ConfigError)
  })
})

describe('the private CA of a data dir', () => {
  it('issues a server certificate that OpenSSL verifies for loopback and the host, and keeps it across restarts', async () => {
    const dir = tempDir('tls-ca')
    const ca = ensurePrivateCa(dir, '192.0.2.7')
    const leaf = path.join(dir, 'leaf.pem')
    fs.writeFileSync(leaf, ca.server.certPem)
    for (const check of [['-verify_ip', '127.0.0.1'], ['-verify_ip', '192.0.2.7'], ['-verify_hostname', 'localhost']]) {
      const verified = await run('openssl', ['verify', '-CAfile', ca.caFile, ...check, leaf])
      assert.equal(verified.code, 0, `${check.join(' ')}: ${verified.stdout}${verified.stderr}`)
    }
    const elsewhere = await run('openssl', ['verify', '-CAfile', ca.caFile, '-verify_ip', '198.51.100.1', leaf])
    assert.notEqual(elsewhere.code, 0)
    assert.equal(fs.statSync(path.join(dir, 'tls', 'ca-key.pem')).mode & 0o777, 0o600)
    const again = ensurePrivateCa(dir, '192.0.2.7')
    assert.equal(again.caPem, ca.caPem)
    assert.equal(again.server.certPem, ca.server.certPem)
    // A new host gets a new server certificate from the same CA.
    const moved = ensurePrivateCa(dir, '192.0.2.8')
    assert.equal(moved.caPem, ca.caPem)
    assert.notEqual(moved.server.certPem, ca.server.certPem)
    assert.ok(new crypto.X509Certificate(moved.server.certPem).checkIP('192.0.2.8'))
  })
})

describe('PKCS7/JSON deployment specifications', () => {
  const dir = tempDir('tls-signer')
  const signer = ensureDeploymentSigner(dir, 'eu-west-1')
  const spec = { DeploymentId: 'd-ABCDEFGHI', DeploymentGroupId: 'g1', DeploymentGroupName: 'Fleet', ApplicationName: 'App "quoted"\nline', Revision: { RevisionType: 'S3', S3Revision: { Bucket: 'b', Key: 'k/é.zip', BundleType: 'zip' } } }

  it('are signed data OpenSSL opens, with the content intact, signed as codedeploy-signer-<region>.amazonaws.com', async () => {
    const pem = signPkcs7(JSON.stringify(spec), signer)
    const opened = await run('openssl', ['smime', '-verify', '-noverify', '-inform', 'PEM'], { input: pem })
    assert.equal(opened.code, 0, opened.stderr)
    assert.deepEqual(JSON.parse(opened.stdout), spec)
    assert.match(new crypto.X509Certificate(signer.certPem).subject, /CN=codedeploy-signer-eu-west-1\.amazonaws\.com/)
    assert.deepEqual(JSON.parse(openPkcs7(pem)), spec)
  })

  it("are what Slipway's agent decodes; a tampered envelope is refused with a clear error", async () => {
    const envelope = { Format: 'PKCS7/JSON', Payload: signPkcs7(JSON.stringify(spec), signer) }
    const decoded = await decodeDeploymentSpecification({ DeploymentSystem: 'CodeDeploy', DeploymentSpecification: { GenericEnvelope: envelope } })
    assert.equal(decoded.applicationName, 'App "quoted"\nline')
    assert.equal(decoded.revision.key, 'k/é.zip')
    assert.equal(decoded.allPossibleLifecycleEvents, undefined)
    await assert.rejects(
      decodeDeploymentSpecification({ DeploymentSystem: 'CodeDeploy', DeploymentSpecification: { GenericEnvelope: { Format: 'PKCS7/JSON', Payload: '-----BEGIN PKCS7-----\nnot base64\n-----END PKCS7-----\n' } } }),
      /unreadable PKCS7\/JSON envelope/,
    )
  })
})
