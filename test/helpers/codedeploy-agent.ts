/**
 * AWS's official CodeDeploy agent (Ruby, release 1.8.1, from ../shared/vendor/) run against a test
 * server with configuration only: `:deploy_control_endpoint` and `:s3_endpoint_override` pointing at
 * the server's HTTPS port, an on-premises config file with a Slipway key and the instance's IAM user
 * ARN, and the server's private CA trusted through the variables the agent and its SDK read.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, tempDir } from './server.ts'
import { run } from './run.ts'

const TARBALL_CANDIDATES = [
  process.env.SLIPWAY_TEST_CODEDEPLOY_AGENT,
  path.resolve(ROOT, '..', 'shared', 'vendor', 'aws-codedeploy-agent.tar.gz'),
  '/work/shared/vendor/aws-codedeploy-agent.tar.gz',
].filter((p): p is string => typeof p === 'string' && p !== '')

/** The Debian packages the agent runs on (its `gli` command-line wrapper is bypassed by the launcher). */
const RUBY_LIBRARIES = ['aws-sdk-core', 'aws-sdk-s3', 'zip', 'archive/tar/minitar', 'logging', 'concurrent', 'json']

/** Why the official agent cannot run here, or undefined when it can (fails instead in CI). */
export async function officialAgentUnavailable(): Promise<string | undefined> {
  const tarball = TARBALL_CANDIDATES.find((p) => fs.existsSync(p))
  let reason: string | undefined
  if (!tarball) reason = `the official CodeDeploy agent is not at ${TARBALL_CANDIDATES.join(' or ')} (set SLIPWAY_TEST_CODEDEPLOY_AGENT)`
  else {
    const probe = await run('ruby', ['-e', RUBY_LIBRARIES.map((l) => `require '${l}'`).join('; ')]).catch((err: Error) => ({ code: -1, stderr: err.message }))
    if (probe.code !== 0) reason = `Ruby or the agent's Debian packages are missing (ruby ruby-aws-sdk-core ruby-aws-sdk-s3 ruby-zip ruby-minitar ruby-logging ruby-concurrent ruby-json): ${probe.stderr.trim().split('\n')[0]}`
  }
  if (reason && process.env.SLIPWAY_TEST_REQUIRE_CODEDEPLOY_AGENT === '1') throw new Error(`required here (SLIPWAY_TEST_REQUIRE_CODEDEPLOY_AGENT=1): ${reason}`)
  return reason
}

export type OfficialAgent = {
  /** The agent's own log (`codedeploy-agent.log`), for diagnosing failures. */
  log(): string
  stop(): Promise<void>
}

export type OfficialAgentOptions = {
  serverUrl: string
  caFile: string
  accessKeyId: string
  secretAccessKey: string
  iamUserArn: string
  region: string
}

/** Unpacks the agent and starts it in the foreground, in its own process group. */
export async function startOfficialAgent(options: OfficialAgentOptions): Promise<OfficialAgent> {
  const tarball = TARBALL_CANDIDATES.find((p) => fs.existsSync(p))
  if (!tarball) throw new Error('the official CodeDeploy agent is not available')
  const base = tempDir('official-agent')
  const unpacked = await run('tar', ['-xzf', tarball, '-C', base])
  if (unpacked.code !== 0) throw new Error(`cannot unpack ${tarball}: ${unpacked.stderr}`)
  const agentDir = path.join(base, 'aws-codedeploy-agent')
  for (const dir of ['log', 'pid', 'deployment-root']) fs.mkdirSync(path.join(base, dir))
  const onPremises = path.join(base, 'codedeploy.onpremises.yml')
  fs.writeFileSync(onPremises, [
    '---',
    `aws_access_key_id: ${options.accessKeyId}`,
    `aws_secret_access_key: ${options.secretAccessKey}`,
    `iam_user_arn: ${options.iamUserArn}`,
    `region: ${options.region}`,
    '',
  ].join('\n'), { mode: 0o600 })
  const config = path.join(base, 'codedeployagent.yml')
  fs.writeFileSync(config, [
    '---',
    ':log_aws_wire: false',
    `:log_dir: '${path.join(base, 'log')}'`,
    `:pid_dir: '${path.join(base, 'pid')}'`,
    ':program_name: codedeploy-agent',
    `:root_dir: '${path.join(base, 'deployment-root')}'`,
    ':verbose: true',
    ':wait_between_runs: 1',
    ':proxy_uri:',
    ':max_revisions: 5',
    `:deploy_control_endpoint: '${options.serverUrl}'`,
    `:s3_endpoint_override: '${options.serverUrl}'`,
    `:on_premises_config_file: '${onPremises}'`,
    '',
  ].join('\n'))
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && v !== undefined) env[k] = v
  // The command channel's client reads AWS_SSL_CA_BUNDLE, its certificate check SSL_CERT_FILE, the S3 client AWS_CA_BUNDLE.
  Object.assign(env, { SSL_CERT_FILE: options.caFile, AWS_SSL_CA_BUNDLE: options.caFile, AWS_CA_BUNDLE: options.caFile })
  const child: ChildProcess = spawn('ruby', [path.join(ROOT, 'test', 'helpers', 'codedeploy-agent-launch.rb'), agentDir, config], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const logFile = path.join(base, 'log', 'codedeploy-agent.log')
  return {
    log: () => `${out}\n${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-80).join('\n') : '(no agent log)'}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve()
        child.once('exit', () => resolve())
        // The master and its forked child: the whole group.
        process.kill(-child.pid, 'SIGKILL')
      }),
  }
}
