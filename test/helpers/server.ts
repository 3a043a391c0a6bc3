import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const SLIPWAY_BIN = path.join(ROOT, 'bin', 'slipway.mjs')

export type TestServer = {
  url: string
  dataDir: string
  process: ChildProcess
  /** Output so far (stdout + stderr), for diagnosing failures. */
  output(): string
  /** Environment that points the AWS CLI at this server through the generated files. */
  awsEnv: Record<string, string>
  accessKeyId: string
  secretAccessKey: string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `slipway-${prefix}-`))
}

/**
 * Starts the real server (`slipway up`) as a child process on a free port and waits for its ready line.
 * Pass an existing `dataDir` to restart on the same data.
 */
export async function startTestServer(options: { dataDir?: string; port?: number; extraArgs?: string[]; env?: Record<string, string>; command?: 'up' | 'server' } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir('data')
  const child = spawn(process.execPath, [SLIPWAY_BIN, options.command ?? 'up', '--port', String(options.port ?? 0), '--data-dir', dataDir, '--log-level', 'warn', ...(options.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}`)), 20_000)
    const check = () => {
      const m = /Slipway (?:server )?is running at (https?:\/\/\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout.on('data', check)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before it was ready:\n${out}`))
    })
  })
  const credentials = fs.readFileSync(path.join(dataDir, 'aws', 'credentials'), 'utf8')
  const accessKeyId = /aws_access_key_id = (\S+)/.exec(credentials)?.[1] ?? ''
  const secretAccessKey = /aws_secret_access_key = (\S+)/.exec(credentials)?.[1] ?? ''
  return {
    url,
    dataDir,
    process: child,
    output: () => out,
    awsEnv: {
      AWS_SHARED_CREDENTIALS_FILE: path.join(dataDir, 'aws', 'credentials'),
      AWS_CONFIG_FILE: path.join(dataDir, 'aws', 'config'),
      // The config names the CA too (ca_bundle); the variable wins over one the machine may set.
      ...(url.startsWith('https:') ? { AWS_CA_BUNDLE: path.join(dataDir, 'tls', 'ca.pem') } : {}),
    },
    accessKeyId,
    secretAccessKey,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
        child.once('exit', (code) => resolve(code))
        child.kill(signal)
      }),
  }
}
