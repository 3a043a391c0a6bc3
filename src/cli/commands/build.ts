import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { buildConfig } from '../../config/config.ts'
import { systemClock } from '../../infra/clock.ts'
import { runBuild } from '../../build/runner/build-engine.ts'
import { chooseExecutor } from '../../build/executors/choose-executor.ts'
import { selectArtifactFiles } from '../../build/model/artifact-selection.ts'
import { parseBuildspec } from '../../build/model/buildspec.ts'
import { listFiles } from '../../build/runner/list-files.ts'
import type { BuildRecord } from '../../build/records.ts'
import type { CommandArgs } from '../main.ts'
import { processYamlLimits } from '../../shared/input-limits.ts'

/**
 * `slipway build`: runs the current directory's buildspec locally, in place — the same phases,
 * variables and artifact selection as a server build, with no server. Artifacts are copied to
 * `--artifacts DIR` (default `.slipway-artifacts`). Exit code 0 when the build SUCCEEDED.
 */
export async function buildCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ executor: values.executor as string | undefined, region: values.region as string | undefined })
  const sourceDir = path.resolve(String(values.source ?? process.cwd()))
  const buildspecFile = path.resolve(sourceDir, String(values.buildspec ?? 'buildspec.yml'))
  if (!fs.existsSync(buildspecFile)) {
    process.stderr.write(`slipway build: no buildspec at ${buildspecFile}\n`)
    return 2
  }
  const buildspec = fs.readFileSync(buildspecFile, 'utf8')
  const image = String(values.image ?? 'slipway/local')
  const executor = await chooseExecutor(config.executor)
  const project = path.basename(sourceDir).replace(/[^A-Za-z0-9_-]/g, '-') || 'local'
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-build-'))
  const now = systemClock.now()
  const uuid = randomUUID()
  const build: BuildRecord = {
    id: `${project}:${uuid}`,
    projectName: project,
    buildNumber: 1,
    status: 'IN_PROGRESS',
    currentPhase: 'QUEUED',
    startTime: now,
    initiator: os.userInfo().username,
    settings: {
      source: { type: 'NO_SOURCE', buildspec },
      secondarySources: [],
      secondarySourceVersions: [],
      artifacts: { type: 'NO_ARTIFACTS' },
      secondaryArtifacts: [],
      cache: { type: 'NO_CACHE' },
      environment: { type: 'LINUX_CONTAINER', image, computeType: 'BUILD_GENERAL1_SMALL', privilegedMode: values.privileged === true },
      environmentVariablesOverride: parseEnvFlags(values.env),
      serviceRole: 'local',
      timeoutInMinutes: 60,
      queuedTimeoutInMinutes: 480,
    },
    phases: [{ phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now }, { phaseType: 'QUEUED', startTime: now }],
    exportedVariables: [],
    secondaryArtifacts: [],
    stopRequested: false,
    logFile: 'build.log',
  }
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort('STOPPED'))
  try {
    const result = await runBuild(build, {
      clock: systemClock,
      executor,
      dataDir,
      region: config.region,
      accountId: config.accountId,
      baseUrl: () => 'http://localhost',
      resolveSecret: async (type, ref) => {
        throw new Error(`${type} ${ref}: secrets need the server (slipway up)`)
      },
      // The log goes straight to the terminal.
      logs: { open: () => ({ write: (text) => void process.stdout.write(text), close: async () => undefined }) },
      localSourceDir: sourceDir,
    }, { signal: controller.signal, save: async () => undefined })
    const artifactsDir = path.resolve(String(values.artifacts ?? path.join(sourceDir, '.slipway-artifacts')))
    if (result.status === 'SUCCEEDED') copyArtifacts(buildspec, sourceDir, artifactsDir)
    for (const p of result.phases) if (p.phaseStatus) process.stdout.write(`${p.phaseType.padEnd(17)}${p.phaseStatus.padEnd(10)}${p.endTime ? ((p.endTime.getTime() - p.startTime.getTime()) / 1000).toFixed(3) + ' s' : ''}\n`)
    for (const v of result.exportedVariables) process.stdout.write(`exported ${v.name}=${v.value}\n`)
    process.stdout.write(`Build ${result.status} (executor ${executor.name})\n`)
    return result.status === 'SUCCEEDED' ? 0 : 1
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

function parseEnvFlags(raw: unknown): { name: string; value: string; type: 'PLAINTEXT' }[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return list.map(String).map((pair) => {
    const eq = pair.indexOf('=')
    return { name: eq < 0 ? pair : pair.slice(0, eq), value: eq < 0 ? '' : pair.slice(eq + 1), type: 'PLAINTEXT' as const }
  })
}

/** Copies the buildspec's selected artifact files (primary and secondary) into `dest`. */
function copyArtifacts(buildspec: string, sourceDir: string, dest: string): void {
  const plan = parseBuildspec(buildspec, processYamlLimits()).plan
  if (!plan?.artifacts) return
  const listing = listFiles(sourceDir).filter((f) => f.kind !== 'dir' && !f.path.startsWith('.slipway-artifacts/')).map((f) => f.path)
  const specs = [{ dir: dest, spec: plan.artifacts }, ...plan.artifacts.secondaryArtifacts.map((s) => ({ dir: path.join(dest, s.identifier), spec: s }))]
  fs.rmSync(dest, { recursive: true, force: true })
  for (const { dir, spec } of specs) {
    const result = selectArtifactFiles(listing, spec)
    for (const f of result.files) {
      const target = path.join(dir, f.archivePath)
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.copyFileSync(path.join(sourceDir, f.sourcePath), target)
    }
    for (const e of result.errors) process.stderr.write(`artifacts: ${e.statusCode}: ${e.message}\n`)
  }
  process.stdout.write(`artifacts in ${dest}\n`)
}
