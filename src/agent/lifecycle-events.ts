/**
 * One host command = one lifecycle event on this host: the built-ins (`DownloadBundle`, `Install`)
 * and every other event name as a hook event running the appspec's scripts for it. Each throws on
 * failure (an `EventFailure` carries the agent error code; anything else is reported as UnknownError).
 */
import fs from 'node:fs'
import { AppSpecError, loadAppSpec, scriptsFor } from './appspec.ts'
import type { AgentAppSpec } from './appspec.ts'
import { eventRunner, hookEnvironment as modelHookEnvironment, LOAD_BALANCED_IN_PLACE_EVENTS, scriptRevisionFor } from '../deploy/model/lifecycle.ts'
import type { LifecycleEventName } from '../deploy/model/lifecycle.ts'
import type { HookScript } from '../deploy/model/appspec.ts'
import { ErrorCode, EventFailure } from './diagnostics.ts'
import type { LogTail } from './diagnostics.ts'
import { downloadBundle } from './download-bundle.ts'
import type { Endpoint } from './api-client.ts'
import type { DeploymentSpec } from './deployment-spec.ts'
import { install, InstallError } from './install.ts'
import {
  deploymentPaths,
  lastSuccessfulInstall,
  pathsOf,
  pruneOldDeployments,
  recordLastSuccessfulInstall,
  recordMostRecentInstall,
} from './layout.ts'
import type { DeploymentPaths } from './layout.ts'
import { runHooks } from './run-hooks.ts'
import { UnsafeBundleEntry, unpackBundle } from './unpack-bundle.ts'
import { ArchiveTooLarge } from '../shared/input-limits.ts'

export type EventContext = {
  root: string
  spec: DeploymentSpec
  /** Where the revision is fetched from (path-style S3 on the Slipway server). */
  s3: Endpoint
  tail: LogTail
  signal?: AbortSignal
  onScript?: (location: string) => void
  /** Deployment dirs kept per group. Default 5. */
  maxRevisions?: number
  killGraceMs?: number
}

const KNOWN_EVENTS: readonly string[] = LOAD_BALANCED_IN_PLACE_EVENTS
const known = (event: string): LifecycleEventName | undefined => (KNOWN_EVENTS.includes(event) ? (event as LifecycleEventName) : undefined)

/**
 * The deployment dir whose archive and appspec a hook event uses: the new one, or for
 * ApplicationStop & co. the last successful install's while the new archive is not unpacked yet
 * (`undefined` on a first deployment: the event is a no-op).
 */
export function hookDeploymentDir(event: string, root: string, spec: DeploymentSpec): DeploymentPaths | undefined {
  const current = deploymentPaths(root, spec.deploymentGroupId, spec.deploymentId)
  const name = known(event)
  // Custom events (AllPossibleLifecycleEvents) run from the new revision, like every hook but the stop ones.
  if (name === undefined || scriptRevisionFor(name) !== 'lastSuccessful' || fs.existsSync(current.archive)) return current
  const last = lastSuccessfulInstall(root, spec.deploymentGroupId)
  return last === undefined ? undefined : pathsOf(last)
}

function appSpecOf(paths: DeploymentPaths, spec: DeploymentSpec): AgentAppSpec {
  return loadAppSpec(paths.archive, spec.appSpecFilename)
}

/** The scripts an event would run; throws when the appspec cannot be read. */
export function hookScripts(event: string, root: string, spec: DeploymentSpec): { paths?: DeploymentPaths; scripts: readonly HookScript[] } {
  const paths = hookDeploymentDir(event, root, spec)
  if (!paths) return { scripts: [] }
  return { paths, scripts: scriptsFor(appSpecOf(paths, spec), event) }
}

/** True when the event has nothing to do on this host (the acknowledgement's `IsCommandNoop`). */
export function isNoop(event: string, root: string, spec: DeploymentSpec): boolean {
  const name = known(event)
  if (name !== undefined && eventRunner(name) === 'agent') return false
  if (name !== undefined && eventRunner(name) === 'service') return true
  try {
    return hookScripts(event, root, spec).scripts.length === 0
  } catch {
    // The event will run and report why the appspec is unusable.
    return false
  }
}

/** The environment AWS documents for hook scripts (the deploy model's `hookEnvironment`). */
export function hookEnvironment(event: string, spec: DeploymentSpec): Record<string, string> {
  const { bucket, key, version, etag } = spec.revision
  return modelHookEnvironment({
    lifecycleEvent: event as LifecycleEventName,
    deploymentId: spec.deploymentId,
    applicationName: spec.applicationName,
    deploymentGroupName: spec.deploymentGroupName,
    deploymentGroupId: spec.deploymentGroupId,
    revision: { revisionType: 'S3', s3Location: { bucket, key, ...(version !== undefined ? { version } : {}), ...(etag !== undefined ? { eTag: etag } : {}) } },
  })
}

async function downloadBundleEvent(ctx: EventContext): Promise<void> {
  const { root, spec } = ctx
  const paths = deploymentPaths(root, spec.deploymentGroupId, spec.deploymentId)
  pruneOldDeployments(root, spec.deploymentGroupId, paths.dir, ctx.maxRevisions ?? 5)
  fs.mkdirSync(paths.dir, { recursive: true })
  await downloadBundle(ctx.s3, spec.revision, paths.bundle, ctx.signal)
  try {
    await unpackBundle(paths.bundle, paths.archive, spec.revision.bundleType)
    // The first event that reads the appspec: a malformed one fails here, naming the problem.
    appSpecOf(paths, spec)
  } catch (err) {
    if (err instanceof UnsafeBundleEntry || err instanceof AppSpecError) throw new EventFailure(ErrorCode.UnknownError, err.message)
    if (err instanceof ArchiveTooLarge) throw new EventFailure(ErrorCode.UnknownError, `The bundle was refused: ${err.message}`)
    throw err
  }
  recordMostRecentInstall(root, spec.deploymentGroupId, paths.dir)
}

async function installEvent(ctx: EventContext): Promise<void> {
  const { root, spec } = ctx
  const paths = deploymentPaths(root, spec.deploymentGroupId, spec.deploymentId)
  if (!fs.existsSync(paths.archive)) throw new EventFailure(ErrorCode.UnknownError, 'The revision has not been downloaded on this host (DownloadBundle did not run)')
  const appSpec = appSpecOf(paths, spec)
  try {
    await install({ root, deploymentGroupId: spec.deploymentGroupId, archiveDir: paths.archive, appSpec, fileExistsBehavior: spec.fileExistsBehavior })
  } catch (err) {
    if (err instanceof InstallError) throw new EventFailure(ErrorCode.UnknownError, err.message)
    throw err
  }
  recordLastSuccessfulInstall(root, spec.deploymentGroupId, paths.dir)
}

async function hookEvent(event: string, ctx: EventContext): Promise<void> {
  const { paths, scripts } = hookScripts(event, ctx.root, ctx.spec)
  if (!paths || scripts.length === 0) return
  await runHooks({
    event,
    scripts,
    archiveDir: paths.archive,
    scriptLog: paths.scriptLog,
    env: hookEnvironment(event, ctx.spec),
    tail: ctx.tail,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onScript ? { onScript: ctx.onScript } : {}),
    ...(ctx.killGraceMs !== undefined ? { killGraceMs: ctx.killGraceMs } : {}),
  })
}

/** Runs one lifecycle event. Resolves on success; throws the failure otherwise. */
export async function runLifecycleEvent(event: string, ctx: EventContext): Promise<void> {
  if (event === 'DownloadBundle') return downloadBundleEvent(ctx)
  if (event === 'Install') return installEvent(ctx)
  // BlockTraffic/AllowTraffic are the service's work: nothing to do on the host.
  const name = known(event)
  if (name !== undefined && eventRunner(name) === 'service') return
  return hookEvent(event, ctx)
}
