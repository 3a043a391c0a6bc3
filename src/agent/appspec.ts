/**
 * The appspec as the agent uses it, read from a deployment archive. INTERIM: parses with `yaml`
 * directly until `src/deploy/model/appspec.ts` lands; then this file only maps the model's result.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseDocument } from 'yaml'
import type { FileExistsBehavior } from './deployment-spec.ts'
import type { HookScript } from './run-hooks.ts'

export type PermissionSpec = {
  object: string
  pattern: string
  except: string[]
  type: ('file' | 'directory')[]
  owner?: string
  group?: string
  mode?: number
  acls?: string[]
  context?: unknown
}

export type AgentAppSpec = {
  files: { source: string; destination: string }[]
  fileExistsBehavior?: FileExistsBehavior
  permissions: PermissionSpec[]
  hooks: Record<string, HookScript[]>
}

export class AppSpecError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AppSpecError'
  }
}

/** Reads and parses `<archive>/<filename>`; throws `AppSpecError` with the file name and position. */
export function loadAppSpec(archiveDir: string, filename = 'appspec.yml'): AgentAppSpec {
  const file = path.join(archiveDir, filename)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    throw new AppSpecError(`The appspec file ${filename} was not found in the revision`)
  }
  const doc = parseDocument(text, { prettyErrors: false })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    throw new AppSpecError(`${filename}: line ${e?.linePos?.[0]?.line ?? 1}, column ${e?.linePos?.[0]?.col ?? 1}: ${e?.message ?? 'invalid YAML'}`)
  }
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>
  checkAppSpec(raw, filename)
  const files = ((raw.files as { source: string; destination: string }[] | undefined) ?? []).map((f) => ({ source: String(f.source), destination: String(f.destination) }))
  const hooks: Record<string, HookScript[]> = {}
  for (const [event, list] of Object.entries((raw.hooks as Record<string, unknown[]>) ?? {})) {
    hooks[event] = (list ?? []).map((h) => {
      const s = h as { location: string; timeout?: number; runas?: string; sudo?: boolean }
      return { location: String(s.location), timeout: Number(s.timeout ?? 3600), ...(s.runas ? { runas: s.runas } : {}), ...(s.sudo ? { sudo: true } : {}) }
    })
  }
  const permissions = ((raw.permissions as Record<string, unknown>[] | undefined) ?? []).map((p) => ({
    object: String(p.object),
    pattern: String(p.pattern ?? '**'),
    except: (p.except as string[] | undefined) ?? [],
    type: (p.type as ('file' | 'directory')[] | undefined) ?? ['file', 'directory'],
    ...(p.owner !== undefined ? { owner: String(p.owner) } : {}),
    ...(p.group !== undefined ? { group: String(p.group) } : {}),
    ...(p.mode !== undefined ? { mode: parseInt(String(p.mode), 8) } : {}),
  }))
  const feb = raw.file_exists_behavior as FileExistsBehavior | undefined
  return { files, permissions, hooks, ...(feb ? { fileExistsBehavior: feb } : {}) }
}

const HOOK_EVENTS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeBlockTraffic', 'AfterBlockTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic']

/** The whole appspec is checked when it is first read, so a mistake fails the first event that reads it. */
function checkAppSpec(raw: Record<string, unknown>, filename: string): void {
  const fail = (message: string): never => {
    throw new AppSpecError(`${filename}: ${message}`)
  }
  if (raw.version === undefined) fail('the appspec has no version (write `version: 0.0`)')
  if (Number(raw.version) !== 0) fail(`version must be 0.0, not ${String(raw.version)}`)
  if (raw.os !== 'linux' && raw.os !== 'windows') fail(`os must be linux or windows, not ${String(raw.os)}`)
  if (raw.file_exists_behavior !== undefined && !['DISALLOW', 'OVERWRITE', 'RETAIN'].includes(String(raw.file_exists_behavior))) fail(`file_exists_behavior must be DISALLOW, OVERWRITE or RETAIN, not ${String(raw.file_exists_behavior)}`)
  if (raw.files !== undefined && raw.files !== null) {
    if (!Array.isArray(raw.files)) fail('files must be a list of {source, destination}')
    ;(raw.files as unknown[]).forEach((f, i) => {
      const e = f as Record<string, unknown> | null
      if (!e || typeof e.source !== 'string' || typeof e.destination !== 'string') fail(`files[${i}] needs a source and a destination`)
      if (!String(e!.destination).startsWith('/')) fail(`files[${i}].destination must be an absolute path`)
      if (String(e!.source).split('/').includes('..')) fail(`files[${i}].source must stay inside the revision`)
    })
  }
  if (raw.hooks !== undefined && raw.hooks !== null) {
    if (typeof raw.hooks !== 'object' || Array.isArray(raw.hooks)) fail('hooks must map lifecycle event names to lists of scripts')
    for (const [event, list] of Object.entries(raw.hooks as Record<string, unknown>)) {
      if (!HOOK_EVENTS.includes(event)) fail(`hooks.${event} is not a lifecycle event with scripts (${HOOK_EVENTS.join(', ')})`)
      if (list === null) continue
      if (!Array.isArray(list)) fail(`hooks.${event} must be a list of scripts`)
      ;(list as unknown[]).forEach((h, i) => {
        const e = h as Record<string, unknown> | null
        if (!e || typeof e.location !== 'string' || e.location === '') fail(`hooks.${event}[${i}] has no location`)
        if (e!.timeout !== undefined && !(Number(e!.timeout) > 0 && Number(e!.timeout) <= 3600)) fail(`hooks.${event}[${i}].timeout must be between 1 and 3600 seconds`)
      })
    }
  }
}
