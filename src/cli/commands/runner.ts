import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { buildConfig } from '../../config/config.ts'
import { chooseExecutor } from '../../build/executors/choose-executor.ts'
import { parseRunnerLabels, formatRunnerLabels, type RunnerLabels } from '../../build/model/runner-match.ts'
import { RUNNER_NAME } from '../../build/rpc/protocol.ts'
import { Runner, defaultRunnerName } from '../../runner/runner.ts'
import { commandServerAccess, credentialChain, runningServerUrl, trustedCaBundle } from './server-access.ts'
import type { CommandArgs } from '../main.ts'
import { foregroundWorker } from './stop-on-signals.ts'

const USAGE =
  'slipway: usage: slipway runner [--server URL] [--executor docker|host|auto] [--capacity N] [--labels k=v,k2=v1|v2]\n' +
  '                [--name NAME] [--work-dir DIR] [--warm N] [--region R] [--data-dir DIR]\n' +
  '       (credentials: a runner key — slipway keys create-runner NAME — from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,\n' +
  '        AWS_PROFILE / AWS_SHARED_CREDENTIALS_FILE, or --data-dir)\n'

/** The environment types this machine's architecture runs, unless `--labels type=…` says otherwise. */
function defaultLabels(): RunnerLabels {
  return { type: process.arch === 'arm64' ? ['ARM_CONTAINER', 'ARM_LAMBDA_CONTAINER'] : ['LINUX_CONTAINER', 'LINUX_LAMBDA_CONTAINER', 'LINUX_GPU_CONTAINER'] }
}

/**
 * `slipway runner`: a build runner on this machine, in the foreground until SIGTERM/SIGINT (running
 * builds are stopped and reported STOPPED). It reaches the server only over HTTP. Returns -1.
 */
export async function runnerCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined, region: values.region as string | undefined, executor: values.executor as string | undefined })
  const server = (values.server as string | undefined) ?? runningServerUrl(config.dataDir)
  if (!server) {
    process.stderr.write(`slipway: no running server found for ${config.dataDir}; pass --server URL\n${USAGE}`)
    return 2
  }
  const name = (values.name as string | undefined) ?? defaultRunnerName()
  if (!RUNNER_NAME.test(name)) {
    process.stderr.write('slipway: --name must be 1-64 of letters, digits and . @ _ -\n')
    return 2
  }
  const capacity = Number(values.capacity ?? Math.max(1, os.availableParallelism()))
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 256) {
    process.stderr.write('slipway: --capacity must be an integer from 1 to 256\n')
    return 2
  }
  const parsed = parseRunnerLabels((values.labels as string | undefined) ?? '')
  if (typeof parsed === 'string') {
    process.stderr.write(`slipway: --labels: ${parsed}\n`)
    return 2
  }
  const labels = { ...defaultLabels(), ...parsed }
  const credentials = await credentialChain(config.dataDir)
  if (!credentials) {
    process.stderr.write(`slipway: no credentials\n${USAGE}`)
    return 1
  }
  const workDir = path.resolve((values['work-dir'] as string | undefined) ?? path.join(config.dataDir, `runner-${name}`))
  const warm = Number(values.warm ?? 0)
  if (!Number.isInteger(warm) || warm < 0 || warm > 16) {
    process.stderr.write('slipway: --warm must be an integer from 0 to 16\n')
    return 2
  }
  const executor = await chooseExecutor(config.executor, `runner-${createHash('sha256').update(workDir).digest('hex').slice(0, 12)}`, { warm, poolDir: path.join(workDir, 'warm') })
  const log = (level: string, message: string) => process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`)
  // The CA it trusts the server with, its builds trust too (main() already read the file once).
  const caBundle = trustedCaBundle(values['ca-bundle'] as string | undefined, config.dataDir)
  const runner = new Runner({ endpoint: { url: server, region: config.region, credentials }, name, labels, capacity, executor, workDir, log, ...(caBundle ? { caBundle } : {}) })
  try {
    await runner.start()
  } catch (err) {
    process.stderr.write(`slipway: ${(err as Error).message}\n`)
    return 1
  }
  process.stderr.write(`slipway runner ${name} (${executor.name}, capacity ${capacity}, labels ${formatRunnerLabels(labels)}) working for ${server}, work dir ${workDir}\n`)
  foregroundWorker('runner', { stop: () => runner.stop(), done: runner.finished })
  return -1
}

type RunnerView = { id: string; name: string; executor: string; capacity: number; labels: RunnerLabels; version: string; lastSeenAt: string; builds: string[] }

/** `slipway runners list`: the runners the server knows (seen lately) and the builds each runs. */
export async function runnersCommand({ positionals, values }: CommandArgs): Promise<number> {
  if (positionals[0] !== 'list') {
    process.stderr.write('slipway: usage: slipway runners list [--data-dir DIR] [--endpoint-url URL]\n')
    return 2
  }
  const access = commandServerAccess(values)
  if (!access) return 1
  const res = await fetch(new URL('/slipway/runners', access.url), { headers: { authorization: access.authorization } })
  if (!res.ok) {
    process.stderr.write(`slipway: ${res.status} ${await res.text()}\n`)
    return 1
  }
  const { runners } = (await res.json()) as { runners: RunnerView[] }
  const rows = [['NAME', 'EXECUTOR', 'BUILDS', 'LABELS', 'LAST SEEN', 'ID'], ...runners.map((r) => [r.name, r.executor, `${r.builds.length}/${r.capacity}`, formatRunnerLabels(r.labels), r.lastSeenAt, r.id])]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n')
  for (const r of runners) for (const b of r.builds) process.stdout.write(`  ${r.name}: ${b}\n`)
  return 0
}
