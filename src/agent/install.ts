/**
 * The Install event, as the codedeploy-agent's Installer does it:
 *
 * 1. delete what the previous Install of this deployment group created (`<dg-id>-cleanup`, newest
 *    first; directories only when empty);
 * 2. plan the copies of the appspec's `files` (file → `<destination>/<basename>`, directory → its
 *    contents recursively, missing parents created) and the `permissions`, failing before anything is
 *    copied on a conflict (`file_exists_behavior` DISALLOW and the destination exists);
 * 3. execute the plan, writing each created path to the new cleanup list as it goes, then
 *    `<dg-id>-install.json`.
 *
 * No shell: chown and setfacl run with argv arrays.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { cleanupFile, installFile, instructionsDir } from './layout.ts'
import type { FileExistsBehavior } from './deployment-spec.ts'
import type { AgentAppSpec, PermissionSpec } from './appspec.ts'

export class InstallError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InstallError'
  }
}

type Instruction =
  | { type: 'copy'; source: string; destination: string }
  | { type: 'mkdir'; directory: string }
  | { type: 'chmod'; file: string; mode: number }
  | { type: 'chown'; file: string; owner?: string; group?: string }
  | { type: 'setfacl'; file: string; acl: readonly string[] }

export type InstallOptions = {
  root: string
  deploymentGroupId: string
  /** `deployment-archive` of the deployment being installed. */
  archiveDir: string
  appSpec: AgentAppSpec
  /** The deployment's value; the appspec's `file_exists_behavior` takes precedence. */
  fileExistsBehavior: FileExistsBehavior
}

export type InstallResult = { copied: string[]; directories: string[]; removed: string[] }

const exists = (p: string) => {
  try {
    fs.lstatSync(p)
    return true
  } catch {
    return false
  }
}
/** A directory, following symlinks (an install destination may be a link to a directory). */
const isDirectory = (p: string) => {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}
/** A directory that is not a symlink (sources in the archive). */
const isRealDirectory = (p: string) => {
  try {
    return fs.lstatSync(p).isDirectory()
  } catch {
    return false
  }
}

/** Removes what the last Install recorded, newest first. Returns the paths removed. */
export function removePreviousInstall(root: string, deploymentGroupId: string): string[] {
  const file = cleanupFile(root, deploymentGroupId)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const lines = text.split('\n')
  // The last element is '' when the file ends in a newline; otherwise it is an unfinished line.
  lines.pop()
  const removed: string[] = []
  for (const line of lines.reverse()) {
    if (line === '' || line.startsWith('semanage\0')) continue
    try {
      const st = fs.lstatSync(line)
      if (st.isDirectory()) fs.rmdirSync(line)
      else fs.unlinkSync(line)
      removed.push(line)
    } catch {
      // Gone already, or a directory someone else put files in: left alone.
    }
  }
  fs.rmSync(file, { force: true })
  return removed
}

/** A permissions pattern: `**` matches everything below the object, else a `*` glob on one level. */
function simpleGlob(name: string, pattern: string): boolean {
  if (name.includes('/')) return false
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
  return re.test(name)
}

class Planner {
  readonly instructions: Instruction[] = []
  readonly copyTargets = new Map<string, string>()
  readonly mkdirTargets = new Set<string>()
  readonly permissionTargets = new Set<string>()
  readonly behavior: FileExistsBehavior
  constructor(behavior: FileExistsBehavior) {
    this.behavior = behavior
  }

  copy(source: string, destination: string): void {
    if (destination.includes('\n')) throw new InstallError(`The deployment failed because the file name ${JSON.stringify(destination)} contains a line break`)
    const prior = this.copyTargets.get(destination)
    if (prior !== undefined) {
      throw new InstallError(
        `The deployment failed because the application specification file specifies two source files named ${source} and ${prior} for the same destination (${destination}). Remove one of the source file paths from the AppSpec file, and then try again.`,
      )
    }
    if (this.mkdirTargets.has(destination)) {
      throw new InstallError(
        `The deployment failed because the application specification file calls for installing the file ${source}, but a file with that name already exists at the location (${destination}). Update your AppSpec file or directory structure, and then try again.`,
      )
    }
    this.instructions.push({ type: 'copy', source, destination })
    this.copyTargets.set(destination, source)
  }

  mkdir(directory: string): void {
    if (this.copyTargets.has(directory)) {
      throw new InstallError(
        `The deployment failed because the application specification file includes an mkdir command more than once for the same destination path (${directory}) from (${this.copyTargets.get(directory)}). Update the files section of the AppSpec file, and then try again.`,
      )
    }
    if (!this.mkdirTargets.has(directory)) this.instructions.push({ type: 'mkdir', directory })
    this.mkdirTargets.add(directory)
  }

  normalCopy(source: string, destination: string): void {
    if (exists(destination) && !this.copyTargets.has(destination)) {
      if (this.behavior === 'DISALLOW') throw new InstallError(`The deployment failed because a specified file already exists at this location: ${destination}`)
      if (this.behavior === 'RETAIN') return
    }
    this.copy(source, destination)
  }

  missingAncestors(destination: string): void {
    const missing: string[] = []
    let dir = path.dirname(destination)
    while (dir !== path.dirname(dir) && !exists(dir) && !this.mkdirTargets.has(dir)) {
      missing.unshift(dir)
      dir = path.dirname(dir)
    }
    for (const d of missing) this.mkdir(d)
  }

  directoryCopy(source: string, destination: string): void {
    if (!isDirectory(destination)) this.mkdir(destination)
    for (const entry of fs.readdirSync(source).sort()) {
      const from = path.join(source, entry)
      const to = path.join(destination, entry)
      if (isRealDirectory(from)) this.directoryCopy(from, to)
      else this.normalCopy(from, to)
    }
  }

  setPermissions(object: string, p: PermissionSpec): void {
    if (this.permissionTargets.has(object)) {
      throw new InstallError(
        `The deployment failed because the permissions setting for (${object}) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.`,
      )
    }
    this.permissionTargets.add(object)
    if (p.mode !== undefined) this.instructions.push({ type: 'chmod', file: object, mode: p.mode })
    if (p.acls && p.acls.length > 0) this.instructions.push({ type: 'setfacl', file: object, acl: p.acls })
    if (p.owner !== undefined || p.group !== undefined) {
      this.instructions.push({ type: 'chown', file: object, ...(p.owner !== undefined ? { owner: p.owner } : {}), ...(p.group !== undefined ? { group: p.group } : {}) })
    }
  }

  matches(p: PermissionSpec): string[] {
    const base = path.resolve(p.object).replace(/\/+$/, '') + '/'
    const matching = (name: string) => {
      if (!name.startsWith(base)) return false
      const rel = name.slice(base.length)
      if (p.except.some((e) => simpleGlob(rel, e))) return false
      return p.pattern === '**' || simpleGlob(rel, p.pattern)
    }
    const out: string[] = []
    if (p.type.includes('file')) out.push(...[...this.copyTargets.keys()].filter(matching))
    if (p.type.includes('directory')) out.push(...[...this.mkdirTargets].filter(matching))
    return out
  }
}

function plan(opts: InstallOptions, archive: string): Planner {
  const behavior = opts.appSpec.fileExistsBehavior ?? opts.fileExistsBehavior
  const planner = new Planner(behavior)
  for (const f of opts.appSpec.files) {
    if (!path.isAbsolute(f.destination)) throw new InstallError(`The deployment failed because the destination ${f.destination} in the appspec files section is not an absolute path`)
    const source = path.resolve(archive, f.source.replace(/^\/+/, ''))
    if (source !== archive && !source.startsWith(archive + path.sep)) {
      throw new InstallError(`The deployment failed because the source ${f.source} in the appspec files section points outside the revision`)
    }
    if (!exists(source)) throw new InstallError(`The deployment failed because the source ${f.source} in the appspec files section does not exist in the revision`)
    const destination = path.resolve(f.destination)
    if (isRealDirectory(source)) {
      planner.missingAncestors(destination)
      planner.directoryCopy(source, destination)
    } else {
      const target = path.join(destination, path.basename(source))
      planner.missingAncestors(target)
      planner.normalCopy(source, target)
    }
  }
  for (const p of opts.appSpec.permissions) {
    const object = path.resolve(p.object)
    if (planner.copyTargets.has(object)) {
      if (!p.type.includes('file')) continue
      if (p.pattern !== '**') {
        throw new InstallError(
          `The deployment failed because the application specification file includes an object (${p.object}) with an invalid pattern (${p.pattern}), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.`,
        )
      }
      if (p.except.length > 0) {
        throw new InstallError(
          `The deployment failed because the except parameter for a pattern in the permissions section (${p.except.join(', ')}) for the object named ${p.object} contains an invalid format. Update the AppSpec file, and then try again.`,
        )
      }
      planner.setPermissions(object, p)
    } else if (planner.mkdirTargets.has(object) || isDirectory(object)) {
      for (const match of planner.matches(p)) planner.setPermissions(match, p)
    }
  }
  return planner
}

function run(argv: [string, ...string[]], what: string): void {
  const [cmd, ...args] = argv
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
  if (r.error) throw new InstallError(`The deployment failed because ${what} could not run: ${r.error.message}`)
  if (r.status !== 0) throw new InstallError(`The deployment failed because ${what} failed: ${r.stderr.trim()} (exit code ${r.status})`)
}

async function copyOne(source: string, destination: string): Promise<void> {
  const st = fs.lstatSync(source)
  if (exists(destination)) {
    if (isRealDirectory(destination)) throw new InstallError(`The deployment failed because a directory exists where the file ${destination} is to be installed`)
    fs.unlinkSync(destination)
  }
  if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(source), destination)
    return
  }
  await fs.promises.copyFile(source, destination)
  fs.chmodSync(destination, st.mode & 0o7777)
  fs.utimesSync(destination, st.atime, st.mtime)
}

async function execute(i: Instruction, cleanup: number): Promise<void> {
  switch (i.type) {
    case 'copy':
      fs.writeSync(cleanup, `${i.destination}\n`)
      await copyOne(i.source, i.destination)
      return
    case 'mkdir':
      if (exists(i.directory)) throw new InstallError(`The deployment failed because a specified file already exists at this location: ${i.directory}.`)
      fs.mkdirSync(i.directory)
      fs.writeSync(cleanup, `${i.directory}\n`)
      return
    case 'chmod':
      // A symlink has no mode of its own; chmod would change whatever it points at.
      if (!fs.lstatSync(i.file).isSymbolicLink()) fs.chmodSync(i.file, i.mode)
      return
    case 'chown': {
      const spec = `${i.owner ?? ''}${i.group !== undefined ? `:${i.group}` : ''}`
      run(['chown', '-h', '--', spec, i.file], `chown ${spec} ${i.file}`)
      return
    }
    case 'setfacl':
      run(['setfacl', '--modify', i.acl.join(','), '--', i.file], `setfacl on ${i.file}`)
      return
  }
}

/**
 * Runs the Install event for one deployment. Throws `InstallError` with the reason shown to users.
 * Copies are asynchronous so the agent keeps heartbeating through a large install.
 */
export async function install(opts: InstallOptions): Promise<InstallResult> {
  const archive = path.resolve(opts.archiveDir)
  fs.mkdirSync(instructionsDir(opts.root), { recursive: true })
  for (const p of opts.appSpec.permissions) {
    if (p.context) throw new InstallError(`The deployment failed because the permissions for ${p.object} set an SELinux context, which this agent does not support`)
  }
  const removed = removePreviousInstall(opts.root, opts.deploymentGroupId)
  const planner = plan(opts, archive)
  fs.writeFileSync(installFile(opts.root, opts.deploymentGroupId), JSON.stringify({ instructions: planner.instructions }))
  const cleanup = fs.openSync(cleanupFile(opts.root, opts.deploymentGroupId), 'w')
  try {
    for (const i of planner.instructions) await execute(i, cleanup)
  } finally {
    fs.closeSync(cleanup)
  }
  return { copied: [...planner.copyTargets.keys()], directories: [...planner.mkdirTargets], removed }
}
