import type { TestServer } from './server.ts'
import { run, type RunResult } from './run.ts'

/** The AWS CLI binary the tests drive (`SLIPWAY_TEST_AWS` overrides `aws` on PATH). */
export const AWS = process.env.SLIPWAY_TEST_AWS ?? 'aws'

export type AwsResult = RunResult & { json: any; errorCode?: string }

/**
 * Runs the real AWS CLI against a test server using only the generated credentials/config files.
 * `--endpoint-url` is passed too, so CLIs that ignore `endpoint_url` in the config (v2 before 2.13)
 * work the same; `awsWithFilesOnly` proves the files alone suffice.
 */
export async function aws(server: TestServer, args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<AwsResult> {
  return awsWithFilesOnly(server, ['--endpoint-url', server.url, ...args], options)
}

export async function awsWithFilesOnly(server: TestServer, args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<AwsResult> {
  const result = await run(AWS, [...args, '--output', 'json'], {
    env: { ...cleanAwsEnv(), ...server.awsEnv, AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '', ...options.env },
    cwd: options.cwd,
    input: options.input,
  })
  let json: any
  try {
    json = result.stdout.trim() ? JSON.parse(result.stdout) : undefined
  } catch {
    json = undefined
  }
  const errorCode = /An error occurred \((\w+)\)/.exec(result.stderr)?.[1]
  return { ...result, json, errorCode }
}

/** The environment minus anything that would point the CLI elsewhere. */
export function cleanAwsEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && v !== undefined) env[k] = v
  return env
}

export async function awsCliAvailable(): Promise<boolean> {
  try {
    return (await run(AWS, ['--version'])).code === 0
  } catch {
    return false
  }
}
