import fs from 'node:fs'
import path from 'node:path'
import type { StatusType } from '../../protocol/models/codebuild.types.ts'
import type { Clock } from '../../infra/clock.ts'
import type { ObjectStore } from '../../artifacts/ports.ts'
import type { BuildRecord, ReportRecord } from '../records.ts'
import type { BuildPlan, PhasePlan } from '../model/buildspec-types.ts'
import { type BuildPhaseType, type PhaseOutcome, nextPhase, buildStatusOf } from '../model/phases.ts'
import { type Executor, ProvisioningError, type ShellSession } from '../executors/executor.ts'
import { BuildLog } from './build-log.ts'
import type { LogSinks } from '../logs/log-store.ts'
import { PhaseRecorder } from './phase-recorder.ts'
import { ShellDriver } from './shell-driver.ts'
import { builtInVariables, credentialVariables, exportScript, gitCredentialVariables, userVariables } from './build-env.ts'
import type { KeyPair } from '../../identity/key-service.ts'
import { type RepositorySource, SourceError } from './source.ts'
import { prepareSources, loadBuildspec } from './prepare-sources.ts'
import { cacheRestoreScript, cacheSaveScript } from './cache.ts'
import { uploadArtifacts, captureShellValues } from './upload-artifacts.ts'
import { collectReports } from './reports.ts'

export type EngineDeps = {
  clock: Clock
  executor: Executor
  /** Absent only for `slipway build` (local source, no S3 or CodeCommit sources). */
  objects?: ObjectStore
  repositories?: RepositorySource
  /** The runner's own directory: builds' work dirs (`work/`) and LOCAL caches (`cache/`). */
  dataDir: string
  /** `slipway build`: the build runs in this directory in place (linked as the primary source). */
  localSourceDir?: string
  region: string
  accountId: string
  baseUrl: () => string
  resolveSecret: (type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string) => Promise<string>
  /** Where the build's log goes (followers read it from the log store). */
  logs: LogSinks
  /** Keeps a test report (absent: reports are collected but not stored, as in `slipway build`). */
  saveReport?: (report: ReportRecord) => Promise<void>
  /** The build's own key for its AWS calls, issued by the server (absent for `slipway build`). */
  key?: KeyPair
  /** CA certificates (PEM) the build's AWS calls need to trust the server: written to its control dir as AWS_CA_BUNDLE. */
  caBundle?: string
}

/** Stop and timeout arrive through `signal`; its reason is the phase status to record. */
export type EngineControl = {
  signal: AbortSignal
  /** Persists the build's progress (phases, current phase). */
  save(build: BuildRecord): Promise<void>
}

const COMMAND_PHASES = new Set(['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD'])

/**
 * Runs one claimed build from PROVISIONING to COMPLETED: session, sources, buildspec, the command
 * phases in one shell, exported variables, artifacts, cache, and the final status. Never throws for a
 * build's own failures: they become phase statuses and contexts, as CodeBuild reports them.
 */
export async function runBuild(input: BuildRecord, deps: EngineDeps, control: EngineControl): Promise<BuildRecord> {
  const build: BuildRecord = structuredClone(input)
  const now = () => deps.clock.now()
  const uuid = build.id.slice(build.projectName.length + 1)
  const workDir = path.join(deps.dataDir, 'work', uuid)
  fs.mkdirSync(workDir, { recursive: true })
  if (deps.localSourceDir) fs.symlinkSync(path.resolve(deps.localSourceDir), path.join(workDir, 'src'), 'dir')
  const log = new BuildLog(deps.logs.open(build))
  const phases = new PhaseRecorder(build, log, now, () => void control.save(structuredClone(build)).catch(() => undefined))
  const aborted = (): PhaseOutcome | undefined => (control.signal.aborted ? (control.signal.reason as PhaseOutcome) : undefined)
  let session: ShellSession | undefined
  let driver: ShellDriver | undefined
  let plan: BuildPlan | undefined
  const onAbort = () => void session?.kill()
  // The LOCAL cache folder, mounted into the session (same path on the host executor).
  const hostCacheDir = path.join(deps.dataDir, 'cache', build.projectName)
  const sessionCacheDir = deps.executor.name === 'docker' ? '/codebuild/output/cache' : hostCacheDir
  const localCache = build.settings.cache.type === 'LOCAL'
  if (localCache) fs.mkdirSync(hostCacheDir, { recursive: true })
  control.signal.addEventListener('abort', onAbort)

  try {
    phases.endOpen('SUCCEEDED')
    phases.begin('PROVISIONING')
    // The start is saved while the session starts; nothing of the build runs before it is saved.
    const accepted = control.save(build)
    accepted.catch(() => undefined)
    let phase: BuildPhaseType
    const key = deps.key
    try {
      if (key) log.addSecrets([key.secretAccessKey])
      session = await deps.executor.start({
        buildId: build.id,
        image: build.settings.environment.image,
        privileged: build.settings.environment.privilegedMode ?? false,
        workDir,
        extraDirs: localCache ? [{ hostPath: hostCacheDir, sessionPath: sessionCacheDir }] : [],
        env: { ...builtInVariables(build, { region: deps.region, accountId: deps.accountId, baseUrl: deps.baseUrl(), image: build.settings.environment.image, srcDir: '' }), ...(key ? credentialVariables(key, deps.baseUrl()) : {}) },
        shell: shellOf(build),
      })
      await accepted
      phases.end(aborted() ?? 'SUCCEEDED')
      phase = aborted() ? 'FINALIZING' : 'DOWNLOAD_SOURCE'
    } catch (err) {
      if (!(err instanceof ProvisioningError)) throw err
      log.line(now(), err.message)
      phases.end('FAILED', { statusCode: 'CLIENT_ERROR', message: err.message.replace(/^CLIENT_ERROR: /, '') })
      phase = 'FINALIZING'
    }
    await control.save(build)

    if (phase === 'DOWNLOAD_SOURCE' && session) {
      phases.begin('DOWNLOAD_SOURCE')
      try {
        build.resolvedSourceVersion = await prepareSources(build, { repositories: deps.repositories, objects: deps.objects }, workDir)
        plan = await loadBuildspec(build, deps.objects, path.join(workDir, 'src'))
        const vars = await userVariables(build, plan, deps.resolveSecret)
        log.addSecrets(vars.filter((v) => v.secret).map((v) => v.value))
        if (plan.phases.some((p) => p.runAs)) log.line(now(), 'Warning: run-as is not supported yet; commands run as the image\'s default user')
        if (plan.env.gitCredentialHelper && !key) log.line(now(), 'Warning: env.git-credential-helper needs a server (the build has no key)')
        driver = new ShellDriver(session, path.join(workDir, 'slipway'), (text) => log.write(text))
        const resolved = build.resolvedSourceVersion ? [{ name: 'CODEBUILD_RESOLVED_SOURCE_VERSION', value: build.resolvedSourceVersion }] : []
        if (deps.caBundle && key) {
          fs.mkdirSync(path.join(workDir, 'slipway'), { recursive: true })
          fs.writeFileSync(path.join(workDir, 'slipway', 'ca.pem'), deps.caBundle)
          resolved.push({ name: 'AWS_CA_BUNDLE', value: `${session.paths.controlDir}/ca.pem` })
        }
        const gitHelper = plan.env.gitCredentialHelper && key ? gitCredentialVariables(deps.baseUrl()) : []
        const setup = exportScript([{ name: 'CODEBUILD_SRC_DIR', value: session.paths.srcDir }, ...resolved, ...gitHelper, ...vars]) + `cd '${session.paths.srcDir}'\n`
        await driver.internal(setup)
        if (plan.cache && build.settings.cache.type === 'LOCAL' && plan.cache.restore) await driver.internal(cacheRestoreScript(plan.cache.paths, sessionCacheDir))
        phases.end(aborted() ?? 'SUCCEEDED')
        phase = aborted() ? 'FINALIZING' : 'INSTALL'
      } catch (err) {
        if (!(err instanceof SourceError)) throw err
        log.line(now(), err.message)
        phases.end('FAILED', { statusCode: err.statusCode, message: err.message })
        phase = 'FINALIZING'
      }
      await control.save(build)
    }

    let capturedShell = false
    while (phase !== 'FINALIZING' && phase !== 'COMPLETED') {
      if (COMMAND_PHASES.has(phase) && driver && plan) {
        const spec = plan.phases.find((p) => p.phaseType === phase)
        const outcome: PhaseOutcome = spec ? await runCommandPhase(spec, driver, phases, log, now, aborted) : 'SUCCEEDED'
        await control.save(build)
        phase = nextPhase(phase, outcome, spec?.onFailure) ?? 'COMPLETED'
        continue
      }
      if (!capturedShell && driver && plan) {
        capturedShell = true
        build.exportedVariables = await captureShellValues(driver, plan, path.join(workDir, 'slipway'), session!.paths.controlDir)
      }
      phases.begin(phase)
      if (plan && plan.reports.length > 0) {
        const reports = collectReports(build, plan, path.join(workDir, 'src'), deps, now())
        for (const r of reports) {
          await deps.saveReport?.(r)
          log.line(now(), `Report ${r.name}: ${r.summary.total} test cases, ${r.status}`)
        }
        build.reportArns = reports.map((r) => r.arn)
      }
      const result = await uploadArtifacts(build, plan, { objects: deps.objects, dataDir: deps.dataDir, region: deps.region, accountId: deps.accountId }, path.join(workDir, 'src'), path.join(workDir, 'slipway'))
      if (result.error) log.line(now(), result.error.message)
      phases.end(aborted() ?? (result.error ? 'FAILED' : 'SUCCEEDED'), result.error)
      await control.save(build)
      phase = nextPhase(phase, aborted() ?? (result.error ? 'FAILED' : 'SUCCEEDED')) ?? 'COMPLETED'
    }

    phases.begin('FINALIZING')
    if (driver && !driver.ended && plan?.cache && build.settings.cache.type === 'LOCAL' && plan.cache.save && !aborted()) {
      await driver.internal(cacheSaveScript(plan.cache.paths, sessionCacheDir))
    }
    driver?.close()
    await session?.dispose()
    phases.end('SUCCEEDED')
  } catch (err) {
    // An internal failure: FAULT, as CodeBuild reports service-side errors.
    log.line(now(), `Slipway internal error: ${(err as Error).message}`)
    phases.endOpen('FAULT', { statusCode: 'INTERNAL_ERROR', message: (err as Error).message })
    await session?.dispose()
  } finally {
    control.signal.removeEventListener('abort', onAbort)
    fs.rmSync(workDir, { recursive: true, force: true })
  }
  build.status = buildStatusOf(phases.outcomes())
  build.currentPhase = 'COMPLETED'
  build.endTime = now()
  build.phases.push({ phaseType: 'COMPLETED', startTime: build.endTime })
  log.line(now(), `Build ${build.status === 'SUCCEEDED' ? 'succeeded' : `ended ${build.status}`}`)
  await log.close()
  return build
}

async function runCommandPhase(
  spec: PhasePlan,
  driver: ShellDriver,
  phases: PhaseRecorder,
  log: BuildLog,
  now: () => Date,
  aborted: () => PhaseOutcome | undefined,
): Promise<PhaseOutcome> {
  phases.begin(spec.phaseType)
  let failure: { statusCode: string; message: string } | undefined
  const runAll = async (commands: readonly string[]) => {
    for (const command of commands) {
      if (aborted()) return
      log.line(now(), `Running command ${command}`)
      const status = await driver.run(command)
      if (aborted()) return
      if (status !== 0) {
        log.line(now(), `Command did not exit successfully ${command} exit status ${status}`)
        failure = { statusCode: 'COMMAND_EXECUTION_ERROR', message: `Error while executing command: ${command}. Reason: exit status ${status}` }
        return
      }
    }
  }
  await runAll(spec.commands)
  if (!aborted() && spec.finally.length > 0) {
    const before = failure
    failure = undefined
    await runAll(spec.finally)
    failure = before ?? failure
  }
  const status: PhaseOutcome = aborted() ?? (failure ? 'FAILED' : 'SUCCEEDED')
  if (status === 'FAILED' && !driver.ended) await driver.internal('export CODEBUILD_BUILD_SUCCEEDING=0')
  phases.end(status, failure)
  return status
}

/** `env.shell` decides the session's shell; it is read before the buildspec is parsed, so peek at it. */
function shellOf(build: BuildRecord): 'bash' | 'sh' {
  const inline = build.settings.buildspecOverride ?? build.settings.source.buildspec ?? ''
  return /^\s+shell:\s*['"]?\/bin\/sh['"]?\s*$/m.test(inline) ? 'sh' : 'bash'
}
