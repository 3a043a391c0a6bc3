/**
 * The agent's on-disk layout under its root dir, as the codedeploy-agent keeps it
 * (file-formats §2.3):
 *
 *   <root>/<dg-id>/<deployment-id>/bundle.tar            downloaded revision, whatever its type
 *   <root>/<dg-id>/<deployment-id>/deployment-archive/   unpacked revision (scripts run from here)
 *   <root>/<dg-id>/<deployment-id>/logs/scripts.log      hook output, [stdout]/[stderr] prefixed
 *   <root>/deployment-instructions/<dg-id>_last_successful_install   deployment dir of the last Install that succeeded
 *   <root>/deployment-instructions/<dg-id>_most_recent_install       deployment dir of the last DownloadBundle
 *   <root>/deployment-instructions/<dg-id>-cleanup        files and dirs the last Install created, one a line
 *   <root>/deployment-instructions/<dg-id>-install.json   the last Install's instructions
 */
import fs from 'node:fs'
import path from 'node:path'

export type DeploymentPaths = {
  /** `<root>/<dg-id>/<deployment-id>` */
  dir: string
  bundle: string
  archive: string
  scriptLog: string
}

/** Ids become directory names: only plain names are accepted. */
export function isSafeSegment(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) && id !== '.' && id !== '..'
}

export function deploymentPaths(root: string, deploymentGroupId: string, deploymentId: string): DeploymentPaths {
  if (!isSafeSegment(deploymentGroupId)) throw new Error(`unusable deployment group id '${deploymentGroupId}'`)
  if (!isSafeSegment(deploymentId)) throw new Error(`unusable deployment id '${deploymentId}'`)
  return pathsOf(path.join(path.resolve(root), deploymentGroupId, deploymentId))
}

/** The paths inside an existing deployment dir (e.g. the one `_last_successful_install` names). */
export function pathsOf(dir: string): DeploymentPaths {
  return {
    dir,
    bundle: path.join(dir, 'bundle.tar'),
    archive: path.join(dir, 'deployment-archive'),
    scriptLog: path.join(dir, 'logs', 'scripts.log'),
  }
}

export function instructionsDir(root: string): string {
  return path.join(path.resolve(root), 'deployment-instructions')
}

export function cleanupFile(root: string, deploymentGroupId: string): string {
  return path.join(instructionsDir(root), `${deploymentGroupId}-cleanup`)
}

export function installFile(root: string, deploymentGroupId: string): string {
  return path.join(instructionsDir(root), `${deploymentGroupId}-install.json`)
}

function lastSuccessfulFile(root: string, deploymentGroupId: string): string {
  return path.join(instructionsDir(root), `${deploymentGroupId}_last_successful_install`)
}

function mostRecentFile(root: string, deploymentGroupId: string): string {
  return path.join(instructionsDir(root), `${deploymentGroupId}_most_recent_install`)
}

function readPointer(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8').trim()
    return text === '' ? undefined : text
  } catch {
    return undefined
  }
}

function writePointer(file: string, dir: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  fs.writeFileSync(tmp, dir)
  fs.renameSync(tmp, file)
}

/** The deployment dir of the last successful Install for a group, if any. */
export function lastSuccessfulInstall(root: string, deploymentGroupId: string): string | undefined {
  return readPointer(lastSuccessfulFile(root, deploymentGroupId))
}

export function recordLastSuccessfulInstall(root: string, deploymentGroupId: string, dir: string): void {
  writePointer(lastSuccessfulFile(root, deploymentGroupId), dir)
}

export function mostRecentInstall(root: string, deploymentGroupId: string): string | undefined {
  return readPointer(mostRecentFile(root, deploymentGroupId))
}

export function recordMostRecentInstall(root: string, deploymentGroupId: string, dir: string): void {
  writePointer(mostRecentFile(root, deploymentGroupId), dir)
}

/**
 * Keeps at most `maxRevisions` deployment dirs per group (counting the current one), deleting the
 * oldest first and never the last successful install's.
 */
export function pruneOldDeployments(root: string, deploymentGroupId: string, current: string, maxRevisions: number): string[] {
  const groupDir = path.join(path.resolve(root), deploymentGroupId)
  let names: string[]
  try {
    names = fs.readdirSync(groupDir)
  } catch {
    return []
  }
  const others = names.map((n) => path.join(groupDir, n)).filter((d) => d !== current)
  const extra = others.length - maxRevisions + 1
  if (extra <= 0) return []
  const keep = lastSuccessfulInstall(root, deploymentGroupId)
  const candidates = others
    .filter((d) => d !== keep)
    .map((d) => ({ d, mtime: fs.statSync(d).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime)
    .slice(0, extra)
    .map((c) => c.d)
  for (const d of candidates) fs.rmSync(d, { recursive: true, force: true })
  return candidates
}
