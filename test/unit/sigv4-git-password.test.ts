/**
 * The `aws codecommit credential-helper` password: checked against the real AWS CLI's output, then
 * the failure paths with passwords from `gitPasswordFor`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  candidateRegions,
  COMMERCIAL_REGIONS,
  gitCanonicalRequest,
  gitPasswordFor,
  verifyGitPassword,
} from '../../src/protocol/sigv4/git-password.ts'
import type { KeyLookup } from '../../src/protocol/sigv4/verify-request.ts'

const AKID = 'AKIDSLIPWAYGIT000001'
const SECRET = 'git/Secret+Key=0123456789'
const lookup: KeyLookup = async (id) =>
  id === AKID ? { accessKeyId: AKID, secretAccessKey: SECRET, principal: 'frank' } : undefined
const AT = new Date('2026-11-24T06:00:00Z')
const REPO = '/v1/repos/MyRepo'
const HOST = '127.0.0.1:8080'

/** Runs `aws codecommit credential-helper --ignore-host-check get` the way git does. */
function credentialHelper(env: Record<string, string>): { username: string; password: string } {
  const run = spawnSync('aws', ['codecommit', 'credential-helper', '--ignore-host-check', 'get'], {
    input: `protocol=http\nhost=${HOST}\npath=v1/repos/MyRepo\n\n`,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  })
  assert.equal(run.status, 0, run.stderr)
  const fields = Object.fromEntries(run.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)))
  return { username: String(fields.username), password: String(fields.password) }
}

const AWS_MISSING = spawnSync('aws', ['--version']).error ? 'the AWS CLI (`aws`) is not on PATH' : undefined

describe('verifyGitPassword with the real AWS CLI credential helper', () => {
  it('accepts the password the helper prints, finding the region among the candidates', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const printed = credentialHelper({ AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_DEFAULT_REGION: 'eu-west-2' })
    assert.equal(printed.username, AKID)
    assert.match(printed.password, /^\d{8}T\d{6}Z[0-9a-f]{64}$/)
    const caller = await verifyGitPassword(
      { ...printed, host: HOST, repoPath: REPO },
      lookup,
      new Date(),
      candidateRegions('us-east-1'),
    )
    assert.equal(caller?.principal, 'frank')
    assert.equal(caller?.region, 'eu-west-2')
    assert.equal(caller?.service, 'codecommit')
    // Our own signer produces the very same password for the helper's timestamp.
    const ts = printed.password.slice(0, 15)
    const at = new Date(`${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(9, 11)}:${ts.slice(11, 13)}:${ts.slice(13, 15)}Z`)
    assert.equal(gitPasswordFor({ secretAccessKey: SECRET, host: HOST, repoPath: REPO, region: 'eu-west-2', now: at }), printed.password)
    // The path of the clone URL is signed: another repository does not match.
    assert.equal(await verifyGitPassword({ ...printed, host: HOST, repoPath: '/v1/repos/Other' }, lookup, new Date()), undefined)
  })

  it('accepts the `AKID%sessionToken` user name of temporary credentials', async (t) => {
    if (AWS_MISSING) return t.skip(AWS_MISSING)
    const printed = credentialHelper({
      AWS_ACCESS_KEY_ID: AKID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLETOKEN',
      AWS_DEFAULT_REGION: 'ap-south-2',
    })
    assert.equal(printed.username, `${AKID}%FwoGZXIvYXdzEXAMPLETOKEN`)
    const caller = await verifyGitPassword({ ...printed, host: HOST, repoPath: REPO }, lookup, new Date())
    assert.equal(caller?.accessKeyId, AKID)
    assert.equal(caller?.region, 'ap-south-2')
  })
})

describe('verifyGitPassword', () => {
  const password = gitPasswordFor({ secretAccessKey: SECRET, host: HOST, repoPath: REPO, region: 'us-west-2', now: AT })
  const good = { username: AKID, password, host: HOST, repoPath: REPO }

  it('builds the helper canonical request, dropping the port from the host', () => {
    assert.equal(gitCanonicalRequest('v1/repos/R', 'git.example:8443'), 'GIT\n/v1/repos/R\n\nhost:git.example\n\nhost\n')
    assert.match(password, /^20261124T060000Z[0-9a-f]{64}$/)
  })

  it('accepts a valid password within 15 minutes, on any port', async () => {
    const caller = await verifyGitPassword(good, lookup, new Date('2026-11-24T06:14:00Z'))
    assert.deepEqual(caller, {
      accessKeyId: AKID,
      principal: 'frank',
      region: 'us-west-2',
      service: 'codecommit',
      signingDate: '20261124',
      amzDate: '20261124T060000Z',
      signature: password.slice(16),
    })
    assert.ok(await verifyGitPassword({ ...good, host: '127.0.0.1:9999' }, lookup, AT))
    assert.ok(await verifyGitPassword({ ...good, repoPath: 'v1/repos/MyRepo' }, lookup, AT))
  })

  it('returns undefined for every kind of failure', async () => {
    const failures = [
      { ...good, username: 'AKIDUNKNOWN000000000' },
      { ...good, username: '' },
      { ...good, host: 'other.example' },
      { ...good, repoPath: '/v1/repos/MyRepo/info/refs' },
      { ...good, password: password.replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
      { ...good, password: password.toUpperCase() },
      { ...good, password: password.slice(0, -1) },
      { ...good, password: 'hunter2' },
    ]
    for (const credentials of failures) assert.equal(await verifyGitPassword(credentials, lookup, AT), undefined)
    assert.equal(await verifyGitPassword(good, lookup, new Date('2026-11-24T06:16:00Z')), undefined)
    assert.equal(await verifyGitPassword(good, lookup, new Date('2026-11-24T05:44:00Z')), undefined)
    assert.equal(await verifyGitPassword(good, lookup, AT, ['eu-west-1', 'us-east-1']), undefined)
  })

  it('lists the configured region first, once', () => {
    const regions = candidateRegions('eu-west-2')
    assert.equal(regions[0], 'eu-west-2')
    assert.equal(regions.length, COMMERCIAL_REGIONS.length)
    assert.deepEqual(candidateRegions('local-1').slice(0, 2), ['local-1', 'us-east-1'])
  })
})
