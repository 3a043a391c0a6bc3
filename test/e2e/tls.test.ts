import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestServer, tempDir, ROOT, SLIPWAY_BIN, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { git, makeWorkTree } from '../helpers/git.ts'
import { spawn } from 'node:child_process'
import { startRunner } from '../helpers/runners.ts'

const skip = (await awsCliAvailable()) ? false : `AWS CLI '${AWS}' not installed`

describe('HTTPS on the server port (--tls, the private CA)', { skip }, () => {
  let server: TestServer
  const work = tempDir('tls')
  let caFile: string

  before(async () => {
    server = await startTestServer({ extraArgs: ['--tls', '--no-runner'] })
    const ca = await run(process.execPath, [SLIPWAY_BIN, 'ca', '--data-dir', server.dataDir])
    assert.equal(ca.code, 0, ca.stderr)
    assert.match(ca.stdout, /^-----BEGIN CERTIFICATE-----/)
    caFile = path.join(work, 'ca.pem')
    fs.writeFileSync(caFile, ca.stdout)
  })
  after(() => server?.stop())

  it('serves every API over HTTPS with a certificate the printed CA verifies, and nothing over plain HTTP', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    const trusted = await run('curl', ['-sS', '--cacert', caFile, `${server.url}/health`])
    assert.equal(trusted.stdout, '{"status":"ok"}')
    const untrusted = await run('curl', ['-sS', '--cacert', '/dev/null', `${server.url}/health`])
    assert.notEqual(untrusted.code, 0)
    const plain = await run('curl', ['-sS', '--max-time', '20', `${server.url.replace('https:', 'http:')}/health`])
    assert.notEqual(plain.stdout, '{"status":"ok"}')
    // The AWS CLI through the generated files (ca_bundle in the config), S3 included.
    const config = fs.readFileSync(server.awsEnv.AWS_CONFIG_FILE!, 'utf8')
    assert.match(config, new RegExp(`ca_bundle = ${path.join(server.dataDir, 'tls', 'ca.pem').replaceAll('/', '\\/')}`))
    assert.equal((await aws(server, ['s3', 'mb', 's3://tls-bucket'])).code, 0)
    fs.writeFileSync(path.join(work, 'f.txt'), 'over tls\n')
    assert.equal((await aws(server, ['s3', 'cp', path.join(work, 'f.txt'), 's3://tls-bucket/f.txt'])).code, 0)
    assert.equal((await aws(server, ['s3', 'cp', 's3://tls-bucket/f.txt', '-'])).stdout, 'over tls\n')
    const env = await run(process.execPath, [SLIPWAY_BIN, 'env', '--data-dir', server.dataDir])
    assert.match(env.stdout, /export AWS_CA_BUNDLE=.*tls\/ca\.pem/)
  })

  it('git clones and pushes over HTTPS with the CA trusted, and refuses without it', async () => {
    const created = await aws(server, ['codecommit', 'create-repository', '--repository-name', 'secure'])
    assert.equal(created.json.repositoryMetadata.cloneUrlHttp, `${server.url}/v1/repos/secure`)
    const dir = path.join(work, 'secure')
    await makeWorkTree(dir, { 'a.txt': 'a\n' })
    const helper = ['-c', `credential.helper=!${AWS} codecommit credential-helper --ignore-host-check $@`, '-c', 'credential.UseHttpPath=true']
    const refused = await git(dir, [...helper, 'push', `${server.url}/v1/repos/secure`, 'main'], { ...server.awsEnv, GIT_SSL_CAINFO: '/dev/null' })
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /certificate/i)
    const pushed = await git(dir, [...helper, 'push', `${server.url}/v1/repos/secure`, 'main'], { ...server.awsEnv, GIT_SSL_CAINFO: caFile })
    assert.equal(pushed.code, 0, pushed.stderr)
  })

  it('`slipway agent` on another host reaches it with --ca-bundle, and deploys', async () => {
    const root = path.join(work, 'agent-root')
    const key = await run(process.execPath, [SLIPWAY_BIN, 'keys', 'create', '--user', 'tls-host', '--data-dir', server.dataDir])
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && v !== undefined) env[k] = v
    env.AWS_ACCESS_KEY_ID = /AccessKeyId\s+(\S+)/.exec(key.stdout)?.[1] ?? ''
    env.AWS_SECRET_ACCESS_KEY = /SecretAccessKey\s+(\S+)/.exec(key.stdout)?.[1] ?? ''
    // No data dir: only the URL, a key and the CA, as on a target host.
    const agent = spawn(process.execPath, [path.join(ROOT, 'src', 'cli', 'main.ts'), 'agent', '--server', server.url, '--ca-bundle', caFile, '--name', 'tls-host', '--tags', 'tier=tls', '--root', root, '--data-dir', path.join(work, 'no-data-dir')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    agent.stdout.on('data', (d: Buffer) => (out += d.toString()))
    agent.stderr.on('data', (d: Buffer) => (out += d.toString()))
    try {
      const rev = path.join(work, 'rev')
      fs.mkdirSync(rev, { recursive: true })
      fs.writeFileSync(path.join(rev, 'index.html'), 'secure\n')
      fs.writeFileSync(path.join(rev, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: index.html\n    destination: ${path.join(work, 'installed')}\n`)
      assert.equal((await aws(server, ['deploy', 'create-application', '--application-name', 'Tls'])).code, 0)
      assert.equal((await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'Tls', '--deployment-group-name', 'G', '--on-premises-instance-tag-filters', 'Key=tier,Value=tls,Type=KEY_AND_VALUE', '--service-role-arn', 'arn:aws:iam::000000000000:role/r'])).code, 0)
      const pushed = await aws(server, ['deploy', 'push', '--application-name', 'Tls', '--s3-location', 's3://tls-bucket/rev.zip', '--source', rev])
      assert.equal(pushed.code, 0, pushed.stderr)
      for (let i = 0; i < 300; i++) {
        const listed = (await aws(server, ['deploy', 'list-on-premises-instances'])).json?.instanceNames ?? []
        if (listed.includes('tls-host')) break
        await sleep(100)
      }
      const created = await aws(server, ['deploy', 'create-deployment', '--application-name', 'Tls', '--deployment-group-name', 'G', '--s3-location', 'bucket=tls-bucket,key=rev.zip,bundleType=zip'])
      assert.equal(created.code, 0, created.stderr)
      const waited = await aws(server, ['deploy', 'wait', 'deployment-successful', '--deployment-id', created.json.deploymentId], {})
      assert.equal(waited.code, 0, `${waited.stderr}\n${out}`)
      assert.equal(fs.readFileSync(path.join(work, 'installed', 'index.html'), 'utf8'), 'secure\n')
    } finally {
      agent.kill('SIGTERM')
    }
  })

  it('`slipway runner` on another machine reaches it with --ca-bundle, and hands the CA to its builds, whose AWS CLI calls then verify', async () => {
    const runner = await startRunner(server, 'tls-runner', { executor: 'host', extraArgs: ['--ca-bundle', caFile] })
    try {
      const spec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - aws s3 ls s3://tls-bucket/\n      - test -s "$AWS_CA_BUNDLE"\n'
      const created = await aws(server, ['codebuild', 'create-project', '--name', 'over-tls', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: spec }), '--artifacts', 'type=NO_ARTIFACTS',
        '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
      assert.equal(created.code, 0, created.stderr)
      const id = (await aws(server, ['codebuild', 'start-build', '--project-name', 'over-tls'])).json.build.id as string
      let build: { buildStatus: string; buildComplete: boolean } | undefined
      for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
        build = (await aws(server, ['codebuild', 'batch-get-builds', '--ids', id])).json.builds[0]
        if (build?.buildComplete) break
        await sleep(300)
      }
      const log = (await run(process.execPath, [SLIPWAY_BIN, 'logs', id, '--data-dir', server.dataDir])).stdout
      assert.equal(build?.buildStatus, 'SUCCEEDED', `${log}\n${runner.output()}`)
      assert.match(log, /f\.txt/)
    } finally {
      await runner.stop()
    }
  })

  it('a client without the CA is refused with a certificate error, and a bad --ca-bundle is named', async () => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && k !== 'NODE_EXTRA_CA_CERTS' && v !== undefined) env[k] = v
    const creds = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_CA_BUNDLE: '' }
    const untrusted = await run(process.execPath, [SLIPWAY_BIN, 'runners', 'list', '--endpoint-url', server.url, '--data-dir', path.join(work, 'elsewhere')], { env: { ...env, ...creds } })
    assert.notEqual(untrusted.code, 0)
    assert.match(untrusted.stderr, /cannot reach the server: .*certificate.*--ca-bundle FILE or AWS_CA_BUNDLE/i)
    const trusted = await run(process.execPath, [SLIPWAY_BIN, 'runners', 'list', '--endpoint-url', server.url, '--ca-bundle', caFile, '--data-dir', path.join(work, 'elsewhere')], { env: { ...env, ...creds } })
    assert.equal(trusted.code, 0, trusted.stderr)
    // On the server's machine, its data dir's server.json names the CA: trusted without a flag.
    const local = await run(process.execPath, [SLIPWAY_BIN, 'runners', 'list', '--data-dir', server.dataDir], { env: { ...env, AWS_CA_BUNDLE: '' } })
    assert.equal(local.code, 0, local.stderr)
    const bad = await run(process.execPath, [SLIPWAY_BIN, 'runners', 'list', '--endpoint-url', server.url, '--ca-bundle', path.join(work, 'missing.pem')], { env })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /cannot read the CA bundle .*missing\.pem/)
  })
})
