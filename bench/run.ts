/**
 * `npm run bench`: Slipway's speed beside its floor, measured in the same run on this machine.
 * Writes bench/results/<iso-time>.json and prints a summary. Each measurement repeats N times and
 * reports median and p90 (ms).
 *
 * - build.startToFirstCommand.<executor>: StartBuild request sent → the first buildspec command runs
 *   (host: the command records its own start with `date +%s%N`; docker, whose busybox `date` has no
 *   %N: the log's `Running command` timestamp, written as the command is handed to the shell).
 * - build.wall.<executor>: StartBuild request sent → BatchGetBuilds reports the build complete, for a
 *   3-command buildspec.
 * - console.load: the console's API and Chromium page loads with 200 pipelines and 10,000 executions
 *   (bench/console-load.ts).
 * - build.host.postgres, pipeline.pushToExecution.postgres: the same on `slipway server` with
 *   PostgreSQL (a private server, or SLIPWAY_TEST_POSTGRES_URL) instead of SQLite.
 * - pipeline.startBurst.twoServers: 50 StartPipelineExecution calls at once over two servers on one
 *   PostgreSQL and one s3rver, on a QUEUED pipeline (bench/scale-out.ts).
 * - registry: `docker push|pull` of a 200 MB, 5-layer image to Slipway and to Debian's docker-registry
 *   (bench/registry.ts).
 * - floor.bash: `bash -c` running the same 3 commands. floor.dockerRun: `docker run --rm` of the same
 *   image running them.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BatchGetBuildsCommand, CreateProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild'
import { startTestServer, tempDir, ROOT } from '../test/helpers/server.ts'
import { codeBuildClient } from '../test/helpers/codebuild.ts'
import { dockerUnavailableReason, ensureTestImage } from '../test/helpers/docker.ts'
import { benchConsoleLoad } from './console-load.ts'
import { benchStartBurst, postgresServer, scaleOutStorage } from './scale-out.ts'
import { startRunner } from '../test/helpers/runners.ts'
import { benchRegistry } from './registry.ts'

const N = Number(process.env.BENCH_RUNS ?? 15)
const COMMANDS = ['echo one', 'echo two > /dev/null', 'echo three']

type Stats = { runs: number; medianMs: number; p90Ms: number; minMs: number }
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
  return { runs: s.length, medianMs: round(at(0.5)), p90Ms: round(at(0.9)), minMs: round(s[0] ?? NaN) }
}
const round = (x: number) => Math.round(x * 100) / 100

/** Runs `fn` N times after 2 warm-up runs; the durations in ms. */
async function timeRuns(fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < N + 2; i++) {
    const t0 = performance.now()
    await fn()
    if (i >= 2) out.push(performance.now() - t0)
  }
  return out
}

function timeCommand(cmd: string, args: string[]): number {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`)
  return performance.now() - t0
}

/** How to start the server under test: `slipway up` (SQLite) unless a scale-out configuration is given. */
export type ServerUnderTest = Parameters<typeof startTestServer>[0]

/**
 * StartBuild → first command and → complete. With `remote`, the server runs no builds (`--no-runner`)
 * and one `slipway runner` process of that executor takes them over HTTP (`--warm N` with `warm`).
 */
async function benchExecutor(executor: 'host' | 'docker', image: string, under: ServerUnderTest = {}, remote?: { warm?: number }) {
  const server = await startTestServer({ ...under, extraArgs: [...(under?.extraArgs ?? []), '--executor', executor, ...(remote ? ['--no-runner'] : [])] })
  const runner = remote ? await startRunner(server, `bench-${executor}`, { executor, capacity: 2, ...(remote.warm ? { warm: remote.warm } : {}) }) : undefined
  try {
    const client = codeBuildClient(server)
    const markerDir = tempDir('bench-marker')
    const markerFile = executor === 'host' ? path.join(markerDir, 'first') : 'first-command-at'
    const buildspec = ['version: 0.2', 'phases:', '  build:', '    commands:', `      - date +%s%N > ${markerFile}`, ...COMMANDS.slice(1).map((c) => `      - ${c}`)].join('\n') + '\n'
    await client.send(new CreateProjectCommand({ name: 'bench', source: { type: 'NO_SOURCE', buildspec }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
    const firstCommand: number[] = []
    const wall: number[] = []
    for (let i = 0; i < N + 2; i++) {
      const t0 = Date.now() + performance.now() % 1
      const tStart = performance.now()
      const id = (await client.send(new StartBuildCommand({ projectName: 'bench' }))).build!.id!
      for (;;) {
        const b = (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds![0]!
        if (b.buildComplete) {
          if (b.buildStatus !== 'SUCCEEDED') throw new Error(`bench build failed: ${JSON.stringify(b.phases)}`)
          break
        }
        await sleep(2)
      }
      const elapsed = performance.now() - tStart
      if (executor === 'host') {
        const ns = Number(fs.readFileSync(markerFile, 'utf8').trim())
        if (i >= 2) firstCommand.push(ns / 1e6 - t0)
      } else if (i >= 2) {
        const log = await (await fetch(`${server.url}/slipway/builds/${encodeURIComponent(id)}/log`, { headers: { authorization: `Basic ${Buffer.from(`${server.accessKeyId}:${server.secretAccessKey}`).toString('base64')}` } })).text()
        const m = /\[Container\] (\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\d* Running command/.exec(log)
        if (m) firstCommand.push(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!) - t0)
      }
      if (i >= 2) wall.push(elapsed)
    }
    return { startToFirstCommand: stats(firstCommand), wall: stats(wall) }
  } finally {
    await runner?.stop()
    await server.stop()
  }
}

/**
 * 50 builds queued at once (StartBuild calls in parallel) over two `slipway runner` processes of
 * capacity 4 with the host executor: builds per second from the first StartBuild to the last build's
 * end, beside 50 `bash -c` runs of the same commands one after another.
 */
async function benchBuildBurst() {
  const server = await startTestServer({ extraArgs: ['--no-runner'] })
  const runners = [await startRunner(server, 'burst-1', { executor: 'host', capacity: 4 }), await startRunner(server, 'burst-2', { executor: 'host', capacity: 4 })]
  try {
    const client = codeBuildClient(server)
    const buildspec = ['version: 0.2', 'phases:', '  build:', '    commands:', ...COMMANDS.map((c) => `      - ${c}`)].join('\n') + '\n'
    await client.send(new CreateProjectCommand({ name: 'burst', source: { type: 'NO_SOURCE', buildspec }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'host', computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
    const rounds: number[] = []
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now()
      const ids = await Promise.all(Array.from({ length: 50 }, async () => (await client.send(new StartBuildCommand({ projectName: 'burst' }))).build!.id!))
      for (let pending = ids; pending.length > 0; ) {
        const builds = (await client.send(new BatchGetBuildsCommand({ ids: pending }))).builds ?? []
        const failed = builds.find((b) => b.buildComplete && b.buildStatus !== 'SUCCEEDED')
        if (failed) throw new Error(`burst build failed: ${JSON.stringify(failed.phases)}`)
        pending = builds.filter((b) => !b.buildComplete).map((b) => b.id!)
        if (pending.length > 0) await sleep(10)
      }
      rounds.push(performance.now() - t0)
    }
    const floor = timeCommand('bash', ['-c', `for i in $(seq 50); do bash -c '${COMMANDS.join('; ')}'; done`])
    const best = Math.min(...rounds)
    return { builds: 50, runners: 2, capacityEach: 4, roundsMs: rounds.map(round), buildsPerSecond: round(50 / (best / 1000)), floorBash50SequentialMs: round(floor) }
  } finally {
    for (const r of runners) await r.stop()
    await server.stop()
  }
}

/** `docker exec` of the commands in a running container: the floor of a warm start. */
async function dockerExecFloor(image: string) {
  const name = `slipway-bench-exec-${process.pid}`
  spawnSync('docker', ['run', '-d', '--rm', '--name', name, '--network', 'none', image, 'sleep', '3600'], { stdio: 'ignore' })
  try {
    return stats(Array.from({ length: N }, () => timeCommand('docker', ['exec', name, 'sh', '-c', COMMANDS.join('; ')])))
  } finally {
    spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' })
  }
}

/** A host build printing 100 MB of log lines, beside `bash` printing them to /dev/null; server memory. */
async function benchLogVolume() {
  const produce = 'yes "slipway log line with some text to make it realistic" | head -c 100000000'
  const floor = timeCommand('bash', ['-c', `${produce} > /dev/null`])
  const server = await startTestServer({ extraArgs: ['--executor', 'host'] })
  try {
    const pid = (JSON.parse(fs.readFileSync(path.join(server.dataDir, 'server.json'), 'utf8')) as { pid: number }).pid
    const mem = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024
    const client = codeBuildClient(server)
    await client.send(new CreateProjectCommand({ name: 'loud', source: { type: 'NO_SOURCE', buildspec: `version: 0.2\nphases:\n  build:\n    commands:\n      - '${produce}'\n` }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'host', computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r' }))
    const rssBefore = mem('VmRSS')
    const t0 = performance.now()
    const id = (await client.send(new StartBuildCommand({ projectName: 'loud' }))).build!.id!
    for (;;) {
      const b = (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds![0]!
      if (b.buildComplete) break
      await sleep(20)
    }
    const wall = performance.now() - t0
    return { bytes: 100_000_000, floorBashMs: round(floor), buildMs: round(wall), mbPerSecond: round(100 / (wall / 1000)), serverRssBeforeMb: round(rssBefore), serverRssAfterMb: round(mem('VmRSS')), serverPeakRssMb: round(mem('VmHWM')) }
  } finally {
    await server.stop()
  }
}

/**
 * A git push to a repository watched by a pipeline: the push's own wall time (its floor), and when
 * the pipeline execution started, measured from the push's start and from the moment git exited.
 */
async function benchPushToExecution(under: ServerUnderTest = {}) {
  const { aws } = await import('../test/helpers/aws-cli.ts')
  const { repoWithPushes, createPipeline, createPipelineProject, sourceStage, buildStage } = await import('../test/helpers/pipeline-fixtures.ts')
  const { ListPipelineExecutionsCommand } = await import('@aws-sdk/client-codepipeline')
  const { codePipelineClient } = await import('../test/helpers/codepipeline.ts')
  const server = await startTestServer({ ...under, extraArgs: [...(under?.extraArgs ?? []), '--executor', 'host'] })
  try {
    const dir = tempDir('bench-push')
    await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
    const repo = await repoWithPushes(server, dir, 'bench-app')
    await repo.push()
    await createPipelineProject(server, 'noop', 'version: 0.2\nphases:\n  build:\n    commands:\n      - "true"\n')
    await createPipeline(server, dir, { name: 'bench', pipelineType: 'V2', executionMode: 'PARALLEL', stages: [sourceStage('bench-app'), buildStage('noop')] })
    const client = codePipelineClient(server)
    const fromStart: number[] = []
    const afterPush: number[] = []
    const push: number[] = []
    for (let i = 0; i < N + 2; i++) {
      const t0 = Date.now()
      const commit = await repo.push()
      const t1 = Date.now()
      let started: number | undefined
      for (let k = 0; k < 500 && started === undefined; k++) {
        const list = (await client.send(new ListPipelineExecutionsCommand({ pipelineName: 'bench', maxResults: 5 }))).pipelineExecutionSummaries ?? []
        started = list.find((e) => e.trigger?.triggerType === 'CloudWatchEvent' && e.sourceRevisions?.[0]?.revisionId === commit)?.startTime?.getTime()
        if (started === undefined) await sleep(5)
      }
      if (started === undefined) throw new Error('no execution for the push')
      if (i >= 2) {
        push.push(t1 - t0)
        fromStart.push(started - t0)
        afterPush.push(started - t1)
      }
    }
    return { gitPushMs: stats(push), executionStartFromPushStartMs: stats(fromStart), executionStartAfterPushReturnedMs: stats(afterPush) }
  } finally {
    await server.stop()
  }
}

/**
 * `slipway --help` and `slipway keys list` (a command that opens the data dir's store) as a user runs
 * them (`bin/slipway.mjs` on the pinned Node), beside the floor `node -e 0` on the same Node.
 */
function benchCliStartup() {
  const bin = path.join(ROOT, 'bin', 'slipway.mjs')
  const dataDir = tempDir('bench-cli')
  timeCommand(process.execPath, [bin, 'keys', 'create', '--data-dir', dataDir])
  return {
    help: stats(Array.from({ length: N }, () => timeCommand(process.execPath, [bin, '--help']))),
    keysList: stats(Array.from({ length: N }, () => timeCommand(process.execPath, [bin, 'keys', 'list', '--data-dir', dataDir]))),
    floorNode: stats(Array.from({ length: N }, () => timeCommand(process.execPath, ['-e', '0']))),
  }
}

/** `BENCH_ONLY=build.host,builds.burst` runs only the sections whose names start with one of these. */
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter((s) => s !== '')
const wanted = (name: string) => ONLY.length === 0 || ONLY.some((o) => name.startsWith(o))

async function main() {
  const results: Record<string, unknown> = { at: new Date().toISOString(), runs: N, node: process.version, machine: { cpus: (await import('node:os')).cpus().length } }
  results['floor.bash'] = stats(Array.from({ length: N }, () => timeCommand('bash', ['-c', COMMANDS.join('; ')])))
  if (wanted('cli')) results['cli.startup'] = benchCliStartup()
  if (wanted('build.host')) results['build.host'] = await benchExecutor('host', 'host')
  if (wanted('build.remote.host')) results['build.remote.host'] = await benchExecutor('host', 'host', {}, {})
  if (wanted('builds.burst')) results['builds.burst.twoRunners'] = await benchBuildBurst()
  if (wanted('build.logVolume')) results['build.logVolume.host'] = await benchLogVolume()
  if (wanted('pipeline.pushToExecution')) results['pipeline.pushToExecution'] = await benchPushToExecution()
  if (wanted('console.load')) results['console.load'] = await benchConsoleLoad(timeRuns, stats)
  const scaleOut = wanted('postgres') ? await scaleOutStorage() : { skip: 'not asked for (BENCH_ONLY)' }
  if (scaleOut.skip !== undefined) {
    results['postgres'] = { skipped: scaleOut.skip }
  } else {
    try {
      const onPostgres = postgresServer(scaleOut.storage)
      results['build.host.postgres'] = await benchExecutor('host', 'host', onPostgres)
      results['pipeline.pushToExecution.postgres'] = await benchPushToExecution(onPostgres)
      results['pipeline.startBurst.twoServers'] = await benchStartBurst(scaleOut.storage, stats)
    } finally {
      await scaleOut.storage.stop()
    }
  }
  const noDocker = await dockerUnavailableReason()
  if (noDocker) {
    results['build.docker'] = { skipped: noDocker }
  } else if (wanted('build.docker') || wanted('build.remote.docker')) {
    const image = await ensureTestImage()
    results['floor.dockerRun'] = stats(Array.from({ length: N }, () => timeCommand('docker', ['run', '--rm', '--network', 'none', image, 'sh', '-c', COMMANDS.join('; ')])))
    results['floor.dockerExec'] = await dockerExecFloor(image)
    if (wanted('build.docker')) results['build.docker'] = await benchExecutor('docker', image)
    if (wanted('build.remote.docker')) {
      results['build.remote.docker.cold'] = await benchExecutor('docker', image, {}, {})
      results['build.remote.docker.warm'] = await benchExecutor('docker', image, {}, { warm: 2 })
    }
  }
  if (!noDocker && wanted('registry')) results['registry'] = await benchRegistry(stats)
  const dir = path.join(ROOT, 'bench', 'results')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${String(results.at).replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(JSON.stringify(results, null, 2))
  console.log(`written to ${path.relative(ROOT, file)}`)
}

await main()
