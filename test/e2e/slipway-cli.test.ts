import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, SLIPWAY_BIN, startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())

/** The machine's own Node (whatever version), to prove the launcher does not need Node 24 itself. */
const SYSTEM_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => fs.existsSync(p)) ?? process.execPath

describe('the slipway command', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  const elsewhere = tempDir('cwd')

  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server?.stop()
  })

  it('answers GET /health with 200', async () => {
    const res = await fetch(`${server.url}/health`)
    assert.equal(res.status, 200)
  })

  it('writes AWS CLI files in the shared-file formats, readable only by the owner', () => {
    const credentials = fs.readFileSync(server.awsEnv.AWS_SHARED_CREDENTIALS_FILE!, 'utf8')
    const config = fs.readFileSync(server.awsEnv.AWS_CONFIG_FILE!, 'utf8')
    assert.match(credentials, /^\[default\]\naws_access_key_id = AKIA[A-Z2-7]{16}\naws_secret_access_key = \S{40}\n$/)
    assert.match(config, new RegExp(`endpoint_url = ${server.url.replaceAll('.', '\\.')}\\n`))
    assert.match(config, /region = us-east-1/)
    assert.equal(fs.statSync(server.awsEnv.AWS_SHARED_CREDENTIALS_FILE!).mode & 0o077, 0)
  })

  it('keeps secrets out of the database file', () => {
    const db = fs.readFileSync(path.join(server.dataDir, 'slipway.db'))
    const wal = fs.existsSync(path.join(server.dataDir, 'slipway.db-wal')) ? fs.readFileSync(path.join(server.dataDir, 'slipway.db-wal')) : Buffer.alloc(0)
    assert.ok(db.includes(server.accessKeyId) || wal.includes(server.accessKeyId), 'the key id is stored')
    assert.ok(!db.includes(server.secretAccessKey) && !wal.includes(server.secretAccessKey), 'the secret is not stored in plain text')
  })

  it('`npx --prefix <checkout> slipway env` works from another directory with the machine Node', async () => {
    const r = await run('npx', ['--prefix', ROOT, 'slipway', 'env', '--data-dir', server.dataDir], { cwd: elsewhere })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`export AWS_SHARED_CREDENTIALS_FILE=${server.awsEnv.AWS_SHARED_CREDENTIALS_FILE}\\n`))
    assert.match(r.stdout, new RegExp(`export AWS_CONFIG_FILE=${server.awsEnv.AWS_CONFIG_FILE}\\n`))
    assert.match(r.stdout, new RegExp(`export AWS_ENDPOINT_URL=${server.url.replaceAll('.', '\\.')}\\n`))
    const direct = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'env', '--data-dir', server.dataDir], { cwd: elsewhere })
    assert.equal(direct.stdout, r.stdout)
  })

  it('`slipway keys` creates a key that works, lists it, and deletes it', async () => {
    const created = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'keys', 'create', '--user', 'ci-bot', '--data-dir', server.dataDir])
    assert.equal(created.code, 0, created.stderr)
    const id = /AccessKeyId\s+(\S+)/.exec(created.stdout)?.[1] ?? ''
    const secret = /SecretAccessKey\s+(\S+)/.exec(created.stdout)?.[1] ?? ''
    const asBot = { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }
    assert.equal((await aws(server, ['codecommit', 'list-repositories'], { env: asBot })).code, 0)

    const listed = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'keys', 'list', '--data-dir', server.dataDir])
    assert.match(listed.stdout, new RegExp(`${id}\\tci-bot\\tActive`))
    assert.ok(!listed.stdout.includes(secret), 'list never prints secrets')

    const deleted = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'keys', 'delete', id, '--data-dir', server.dataDir])
    assert.equal(deleted.code, 0, deleted.stderr)
    assert.equal((await aws(server, ['codecommit', 'list-repositories'], { env: asBot })).errorCode, 'UnrecognizedClientException')
    assert.equal((await run(SYSTEM_NODE, [SLIPWAY_BIN, 'keys', 'delete', id, '--data-dir', server.dataDir])).code, 1)
  })

  it('`slipway audit` lists who changed what, newest first, with the resource named, and no reads', async () => {
    const created = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'keys', 'create', '--user', 'auditor', '--data-dir', server.dataDir])
    const id = /AccessKeyId\s+(\S+)/.exec(created.stdout)?.[1] ?? ''
    const secret = /SecretAccessKey\s+(\S+)/.exec(created.stdout)?.[1] ?? ''
    const asAuditor = { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'audited-repo'], { env: asAuditor })).code, 0)
    assert.equal((await aws(server, ['codecommit', 'get-repository', '--repository-name', 'audited-repo'], { env: asAuditor })).code, 0)
    assert.equal((await aws(server, ['codecommit', 'delete-repository', '--repository-name', 'audited-repo'])).code, 0)
    const audit = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'audit', '--limit', '2', '--data-dir', server.dataDir])
    assert.equal(audit.code, 0, audit.stderr)
    const lines = audit.stdout.trim().split('\n').map((l) => l.split('\t'))
    assert.deepEqual(lines.map((l) => l.slice(1, 4)), [['root', 'codecommit:DeleteRepository', 'audited-repo'], ['auditor', 'codecommit:CreateRepository', 'audited-repo']], 'newest first; GetRepository is not audited')
    assert.ok(!Number.isNaN(Date.parse(lines[0]![0]!)))
    assert.equal((await run(SYSTEM_NODE, [SLIPWAY_BIN, 'audit', '--limit', '0', '--data-dir', server.dataDir])).code, 2)
  })

  it('`slipway audit` also records failed changes, refused credentials and S3 writes, and filters by principal, action, resource and time', async () => {
    const since = new Date().toISOString()
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'Bad Name!'])).code === 0, false)
    const bogus = { AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEYNOSUCHK', AWS_SECRET_ACCESS_KEY: 'x', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }
    assert.notEqual((await aws(server, ['codecommit', 'delete-repository', '--repository-name', 'anything'], { env: bogus })).code, 0)
    assert.equal((await aws(server, ['s3', 'mb', 's3://audited-bucket'])).code, 0)
    const file = path.join(tempDir('audit'), 'a.txt')
    fs.writeFileSync(file, 'a\n')
    assert.equal((await aws(server, ['s3', 'cp', file, 's3://audited-bucket/a.txt'])).code, 0)
    assert.equal((await aws(server, ['s3', 'ls', 's3://audited-bucket'])).code, 0)
    const audit = async (...args: string[]) => {
      const res = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'audit', '--since', since, ...args, '--data-dir', server.dataDir])
      assert.equal(res.code, 0, res.stderr)
      return res.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'))
    }
    const failed = (await audit('--action', 'CreateRepository')).find((l) => l[3] === 'Bad Name!')
    assert.equal(failed?.[4], 'InvalidRepositoryNameException', 'a failed change is recorded with its error')
    const refused = (await audit('--principal', 'unauthenticated:AKIANOSUCHKEYNOSUCHK'))[0]
    assert.equal(refused?.[4], 'UnrecognizedClientException', 'a refused credential is recorded')
    const s3 = await audit('--resource', 'audited-bucket')
    assert.deepEqual(s3.map((l) => [l[1], l[2], l[3], l[4]]), [
      ['root', 's3:PutObject', 'arn:aws:s3:::audited-bucket/a.txt', 'ok'],
      ['root', 's3:CreateBucket', 'arn:aws:s3:::audited-bucket', 'ok'],
    ], 'S3 writes are recorded; the listing is not')
    assert.deepEqual(await audit('--until', since), [], '--until excludes what came after')
    assert.equal((await run(SYSTEM_NODE, [SLIPWAY_BIN, 'audit', '--since', 'yesterday', '--data-dir', server.dataDir])).code, 2)
  })

  it('`slipway console` asks the server for a one-time link that signs in the principal who asked', async () => {
    const created = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'keys', 'create', '--user', 'alice', '--data-dir', server.dataDir])
    const id = /AccessKeyId\s+(\S+)/.exec(created.stdout)?.[1] ?? ''
    const secret = /SecretAccessKey\s+(\S+)/.exec(created.stdout)?.[1] ?? ''
    const asAlice = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'console', '--no-open', '--data-dir', server.dataDir], { env: { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret } })
    assert.equal(asAlice.code, 0, asAlice.stderr)
    const link = /(http\S+\/console\/login\?token=\S+)/.exec(asAlice.stdout)?.[1]
    assert.ok(link, asAlice.stdout)
    const first = await fetch(link, { redirect: 'manual' })
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!
    assert.ok(cookie.startsWith('slipway_console='), 'a session')
    assert.deepEqual(await (await fetch(`${server.url}/console/api/session`, { headers: { cookie } })).json(), { principal: 'alice' })
    const second = await fetch(link, { redirect: 'manual' })
    assert.match(second.headers.get('location') ?? '', /login=expired/, 'a link works once')
    assert.equal((await fetch(`${server.url}/console/login-links`, { method: 'POST' })).status, 401, 'no link without a key')
  })

  it('rejects bad flags with a clear message', async () => {
    const r = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'up', '--port', 'nope', '--data-dir', tempDir('bad')])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--port must be an integer/)
    const unknown = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'frobnicate'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown command 'frobnicate'/)
  })

  it('shuts down on SIGTERM and keeps everything across a restart', async () => {
    const dataDir = tempDir('restart')
    const first = await startTestServer({ dataDir })
    assert.equal((await aws(first, ['codecommit', 'create-repository', '--repository-name', 'kept'])).code, 0)
    assert.equal(await first.stop('SIGTERM'), 0)
    assert.ok(!fs.existsSync(path.join(dataDir, 'server.json')), 'server.json is removed on graceful shutdown')

    const second = await startTestServer({ dataDir })
    try {
      assert.equal(second.accessKeyId, first.accessKeyId, 'the root key survives a restart')
      const got = await aws(second, ['codecommit', 'get-repository', '--repository-name', 'kept'])
      assert.equal(got.code, 0, got.stderr)
      assert.equal(got.json.repositoryMetadata.cloneUrlHttp, `${second.url}/v1/repos/kept`)
    } finally {
      await second.stop()
    }
  })
})
