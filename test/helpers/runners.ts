import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ROOT, tempDir, type TestServer } from './server.ts'
import { run } from './run.ts'
import { cleanAwsEnv } from './aws-cli.ts'

export type TestRunner = { name: string; workDir: string; process: ChildProcess; output(): string; kill(): void; stop(): Promise<void>; accessKeyId: string; secretAccessKey: string; exited: Promise<number | null> }

/** `slipway keys create-runner NAME` on the server's data dir; returns the key. */
export async function createRunnerKey(server: TestServer, name: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const res = await run(process.execPath, [path.join(ROOT, 'src', 'cli', 'main.ts'), 'keys', 'create-runner', name, '--data-dir', server.dataDir])
  const accessKeyId = /AccessKeyId\s+(\S+)/.exec(res.stdout)?.[1]
  const secretAccessKey = /SecretAccessKey\s+(\S+)/.exec(res.stdout)?.[1]
  if (res.code !== 0 || !accessKeyId || !secretAccessKey) throw new Error(`keys create-runner failed: ${res.stderr}`)
  return { accessKeyId, secretAccessKey }
}

/**
 * Starts `slipway runner` as its own process with its own work dir, knowing only the server's URL and
 * a runner key (in its environment): no data dir, no database. Runs the CLI's entry point directly on
 * this Node, so a SIGKILL really kills the runner. Resolves once it registered.
 */
export async function startRunner(server: TestServer, name: string, options: { executor: 'host' | 'docker'; labels?: string; capacity?: number; warm?: number; credentialsVia?: 'env' | 'profile'; extraArgs?: string[] }): Promise<TestRunner> {
  const key = await createRunnerKey(server, name)
  const workDir = tempDir(`runner-${name}`)
  const args = [path.join(ROOT, 'src', 'cli', 'main.ts'), 'runner', '--server', server.url, '--name', name, '--executor', options.executor, '--work-dir', workDir, '--capacity', String(options.capacity ?? 1)]
  if (options.labels) args.push('--labels', options.labels)
  if (options.warm) args.push('--warm', String(options.warm))
  args.push(...(options.extraArgs ?? []))
  // The key reaches the runner the way an operator would hand it over: the environment, or a profile
  // of a shared credentials file (AWS_SHARED_CREDENTIALS_FILE + AWS_PROFILE).
  const credentialsFile = path.join(workDir, 'aws-credentials')
  if (options.credentialsVia === 'profile') fs.writeFileSync(credentialsFile, `[build-fleet]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`, { mode: 0o600 })
  const keyEnv = options.credentialsVia === 'profile'
    ? { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: path.join(workDir, 'aws-config'), AWS_PROFILE: 'build-fleet' }
    : { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey }
  const child = spawn(process.execPath, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...cleanAwsEnv(), ...keyEnv } })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const deadline = Date.now() + 30_000
  while (!/registered as runner-/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`runner ${name} did not register:\n${out}`)
    await sleep(50)
  }
  return {
    name,
    workDir,
    process: child,
    output: () => out,
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
    ...key,
    exited,
  }
}
