/**
 * Appspec compiler for the Server (EC2/on-premises) compute platform: text → (errors, warnings) →
 * immutable `AppSpec`, accepting what the CodeDeploy agent 1.8.1 accepts
 * (`application_specification.rb`; shared/reference/file-formats.md §2.1), plus the limits the
 * service applies (script timeout ≤ 3600 s) and Slipway's path safety (no source or script outside
 * the bundle).
 *
 * Like the buildspec compiler it parses with the YAML failsafe schema (every scalar is its source
 * text) and reads through the shared positioned reader, collecting every problem instead of
 * stopping at the first. Messages name the key and what is wrong without the position, which is in
 * `line`/`column`; `describeAppSpecProblems` renders them for an event's diagnostics.
 *
 * Pure: no I/O, no clock.
 */
import type { LineCounter, YAMLError } from 'yaml'
import { DEFAULT_YAML_LIMITS, parseWithinLimits, type YamlLimits } from '../../shared/model/yaml-limits.ts'
import { readPermissions } from './appspec-permissions.ts'
import { AppSpecReader, type Slot } from './appspec-reader.ts'
import {
  APPSPEC_OSES,
  DEFAULT_SCRIPT_TIMEOUT_SECONDS,
  FILE_EXISTS_BEHAVIORS,
  HOOK_EVENT_NAMES,
  MAX_SCRIPT_TIMEOUT_SECONDS,
  type AppSpec,
  type AppSpecFile,
  type AppSpecOs,
  type AppSpecProblem,
  type FileExistsBehavior,
  type HookEventName,
  type HookScript,
  type ParseAppSpecResult,
} from './appspec-types.ts'

export * from './appspec-types.ts'

const TOP_LEVEL_KEYS = ['version', 'os', 'files', 'file_exists_behavior', 'permissions', 'hooks'] as const
const FILE_KEYS = ['source', 'destination', 'overwrite'] as const
const SCRIPT_KEYS = ['location', 'timeout', 'runas', 'sudo'] as const
/** Events that exist but run no appspec scripts, with who does their work. */
const NOT_SCRIPTABLE: Record<string, string> = {
  DownloadBundle: 'the CodeDeploy agent downloads the revision itself',
  Install: 'the CodeDeploy agent copies the files section itself',
  BlockTraffic: 'the service deregisters the instance from its load balancer itself',
  AllowTraffic: 'the service registers the instance with its load balancer itself',
}

/** Parses and validates an appspec. `spec` is present exactly when `errors` is empty. */
export function parseAppSpec(text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): ParseAppSpecResult {
  // Ruby's YAML keeps the last of duplicate keys; the reader does the same and warns.
  const parsed = parseWithinLimits(text, 'appspec', limits, { prettyErrors: true, schema: 'failsafe', uniqueKeys: false })
  if ('problem' in parsed) return freeze({ errors: [{ ...parsed.problem, path: '' }], warnings: [] })
  const { doc, lines } = parsed
  const syntaxErrors = doc.errors.map((e) => yamlProblem(e, lines))
  const yamlWarnings = doc.warnings.map((w) => yamlProblem(w, lines))
  if (syntaxErrors.length > 0) return freeze({ errors: syntaxErrors, warnings: yamlWarnings })
  const r = new AppSpecReader(doc, lines)
  r.warnings.push(...yamlWarnings)
  const spec = compile(r)
  const errors = byPosition(r.errors)
  const warnings = byPosition(r.warnings)
  if (errors.length > 0 || spec === undefined) return freeze({ errors, warnings })
  return freeze({ spec, errors: [], warnings })
}

/** One line per problem, for a lifecycle event's diagnostics: `appspec.yml line 3, column 5: …`. */
export function describeAppSpecProblems(problems: readonly AppSpecProblem[], fileName = 'appspec.yml'): string {
  return problems.map((p) => `${fileName} line ${p.line}, column ${p.column}: ${p.message}`).join('\n')
}

function compile(r: AppSpecReader): AppSpec | undefined {
  const root = r.root()
  if (r.isAbsent(root)) {
    r.error({ ...root, path: 'version' }, 'The appspec is empty: it needs at least version: 0.0 and os: linux (or windows)')
    return undefined
  }
  const keys = r.keyed(root, 'the appspec', TOP_LEVEL_KEYS)
  if (keys === undefined) return undefined
  const version = readVersion(r, keys.get('version'), root)
  const os = readOs(r, keys.get('os'), root)
  const files = readFiles(r, keys.get('files'), os)
  const fileExistsBehavior = readFileExistsBehavior(r, keys.get('file_exists_behavior'))
  const permissions = readPermissions(r, keys.get('permissions'), os)
  const hooks = readHooks(r, keys.get('hooks'))
  if (version === undefined || os === undefined) return undefined
  return { version, os, files, ...(fileExistsBehavior !== undefined && { fileExistsBehavior }), permissions, hooks }
}

/**
 * `version`: the agent compares the YAML *number* with 0.0, so `0.0` (or `0`) written unquoted is
 * the only accepted value; a quoted "0.0" is a string and fails on the agent.
 */
function readVersion(r: AppSpecReader, slot: Slot | undefined, root: Slot): '0.0' | undefined {
  if (slot === undefined || r.isAbsent(slot)) {
    r.error(slot ?? { ...root, path: 'version' }, 'The appspec has no `version`: add version: 0.0')
    return undefined
  }
  const value = r.scalar(slot, 'version')
  if (value === undefined) return undefined
  const zero = /^[-+]?0*\.?0*$/.test(value.text) && /0/.test(value.text)
  if (zero && value.plain) return '0.0'
  if (zero) r.error(slot, `version must be the number 0.0: write it without quotes (found the string "${value.text}")`)
  else r.error(slot, `version must be 0.0, the only appspec version: found '${value.text}'`)
  return undefined
}

function readOs(r: AppSpecReader, slot: Slot | undefined, root: Slot): AppSpecOs | undefined {
  if (slot === undefined || r.isAbsent(slot)) {
    r.error(slot ?? { ...root, path: 'os' }, 'The appspec has no `os`: add os: linux (or os: windows)')
    return undefined
  }
  const text = r.string(slot, 'os')
  if (text === undefined) return undefined
  if ((APPSPEC_OSES as readonly string[]).includes(text)) return text as AppSpecOs
  r.error(slot, `os must be linux or windows: found '${text}'`)
  return undefined
}

function readFileExistsBehavior(r: AppSpecReader, slot: Slot | undefined): FileExistsBehavior | undefined {
  if (slot === undefined || r.isAbsent(slot)) return undefined
  const text = r.string(slot, 'file_exists_behavior')
  if (text === undefined) return undefined
  if ((FILE_EXISTS_BEHAVIORS as readonly string[]).includes(text)) return text as FileExistsBehavior
  r.error(slot, `file_exists_behavior must be one of ${FILE_EXISTS_BEHAVIORS.join(', ')}: found '${text}'`)
  return undefined
}

function readFiles(r: AppSpecReader, slot: Slot | undefined, os: AppSpecOs | undefined): AppSpecFile[] {
  if (slot === undefined) return []
  return r.list(slot, 'files', (item, i) => readFile(r, item, `files[${i}]`, os)) ?? []
}

function readFile(r: AppSpecReader, slot: Slot, label: string, os: AppSpecOs | undefined): AppSpecFile | undefined {
  const keys = r.keyed(slot, label, FILE_KEYS)
  if (keys === undefined) {
    if (r.isAbsent(slot)) r.error(slot, `${label} is empty: it needs a source and a destination`)
    return undefined
  }
  const sourceSlot = keys.get('source')
  const source = r.trimmed(sourceSlot, slot, `${label}.source`, `${label} has no source: name a file or directory of the bundle (/ for all of it)`)
  const destinationSlot = keys.get('destination')
  const destination = r.trimmed(destinationSlot, slot, `${label}.destination`, `${label} has no destination: give the absolute path to copy ${source ?? 'the source'} to`)
  if (source !== undefined && sourceSlot !== undefined) checkInsideBundle(r, sourceSlot, `${label}.source`, source)
  if (destination !== undefined && destinationSlot !== undefined && !isAbsolute(destination, os)) {
    r.error(destinationSlot, `${label}.destination must be an absolute path${os === 'windows' ? ' (like C:\\app)' : ' (starting with /)'}: found '${destination}'`)
  }
  const overwriteSlot = keys.get('overwrite')
  const overwrite = overwriteSlot && r.bool(overwriteSlot, `${label}.overwrite`)
  if (overwriteSlot !== undefined) r.warn({ ...overwriteSlot, node: null }, `${label}.overwrite is ignored by the CodeDeploy agent: use file_exists_behavior: OVERWRITE`)
  if (source === undefined || destination === undefined) return undefined
  return { source, destination, ...(overwrite !== undefined && { overwrite }) }
}

function isAbsolute(path: string, os: AppSpecOs | undefined): boolean {
  if (os === 'windows') return /^[A-Za-z]:[\\/]/.test(path) || /^[\\/]{2}[^\\/]/.test(path)
  return path.startsWith('/')
}

/** Refuses a bundle path whose `..` segments climb above the bundle root (`a/../b` stays inside and is fine). */
function checkInsideBundle(r: AppSpecReader, slot: Slot, label: string, path: string): boolean {
  let depth = 0
  for (const segment of path.split(/[\\/]/)) {
    if (segment === '..') depth--
    else if (segment !== '' && segment !== '.') depth++
    if (depth < 0) {
      r.error(slot, `${label} must stay inside the revision bundle: '${path}' climbs out of it with ..`)
      return false
    }
  }
  return true
}

function readHooks(r: AppSpecReader, slot: Slot | undefined): Partial<Record<HookEventName, HookScript[]>> {
  const hooks: Partial<Record<HookEventName, HookScript[]>> = {}
  if (slot === undefined) return hooks
  const keys = r.keyed(slot, 'hooks')
  if (keys === undefined) return hooks
  for (const [name, eventSlot] of keys) {
    const label = `hooks.${name}`
    if (!(HOOK_EVENT_NAMES as readonly string[]).includes(name)) {
      const why = NOT_SCRIPTABLE[name]
      const near = HOOK_EVENT_NAMES.find((h) => h.toLowerCase() === name.toLowerCase())
      const head = why !== undefined ? `${label} cannot run scripts: ${why}` : near !== undefined ? `${label} is not a lifecycle event (names are case-sensitive: did you mean ${near}?)` : `${label} is not a lifecycle event`
      r.error({ ...eventSlot, node: null }, `${head}. Valid hooks: ${HOOK_EVENT_NAMES.join(', ')}`)
      continue
    }
    if (r.isAbsent(eventSlot)) {
      r.error(eventSlot, `${label} has no scripts: list at least one - location: <script>, or remove the hook`)
      continue
    }
    const scripts = r.list(eventSlot, label, (item, i) => readScript(r, item, `${label}[${i}]`))
    if (scripts === undefined) continue
    const total = scripts.reduce((sum, s) => sum + s.timeout, 0)
    if (total > MAX_SCRIPT_TIMEOUT_SECONDS) {
      r.warn(eventSlot, `The timeouts of ${label} add up to ${total} seconds, but a lifecycle event may run at most ${MAX_SCRIPT_TIMEOUT_SECONDS} seconds: the event fails if its scripts take that long`)
    }
    hooks[name as HookEventName] = scripts
  }
  return hooks
}

function readScript(r: AppSpecReader, slot: Slot, label: string): HookScript | undefined {
  const keys = r.keyed(slot, label, SCRIPT_KEYS)
  if (keys === undefined) {
    if (r.isAbsent(slot)) r.error(slot, `${label} is empty: it needs a location`)
    return undefined
  }
  const locationSlot = keys.get('location')
  const location = r.trimmed(locationSlot, slot, `${label}.location`, `${label} has no location: give the script's path in the bundle`)
  const inside = location !== undefined && locationSlot !== undefined && checkInsideBundle(r, locationSlot, `${label}.location`, location)
  const timeout = readTimeout(r, keys.get('timeout'), `${label}.timeout`)
  const runasSlot = keys.get('runas')
  const runas = runasSlot === undefined || r.isAbsent(runasSlot) ? undefined : r.string(runasSlot, `${label}.runas`)?.trim()
  const sudoSlot = keys.get('sudo')
  const sudo = (sudoSlot && r.bool(sudoSlot, `${label}.sudo`)) ?? false
  if (location === undefined || !inside || timeout === undefined) return undefined
  return { location, timeout, ...(runas !== undefined && runas !== '' && { runas }), sudo }
}

function readTimeout(r: AppSpecReader, slot: Slot | undefined, label: string): number | undefined {
  if (slot === undefined || r.isAbsent(slot)) return DEFAULT_SCRIPT_TIMEOUT_SECONDS
  const text = r.string(slot, label)
  if (text === undefined) return undefined
  if (!/^[-+]?\d+$/.test(text)) {
    r.error(slot, `${label} must be a whole number of seconds: found '${text}'`)
    return undefined
  }
  const seconds = parseInt(text, 10)
  if (seconds <= 0) r.error(slot, `${label} must be more than 0 seconds: found ${seconds}`)
  else if (seconds > MAX_SCRIPT_TIMEOUT_SECONDS) r.error(slot, `${label} must be at most ${MAX_SCRIPT_TIMEOUT_SECONDS} seconds: found ${seconds}`)
  else return seconds
  return undefined
}

function byPosition(problems: readonly AppSpecProblem[]): AppSpecProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
}

/** A YAML syntax error or warning as a problem: the parser's first message line, positioned. */
function yamlProblem(e: YAMLError, lines: LineCounter): AppSpecProblem {
  const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0])
  const first = e.code === 'MULTIPLE_DOCS' ? 'The appspec must be a single YAML document: found a second one' : (e.message.split('\n')[0] ?? e.message).replace(/:$/, '').replace(/ at line \d+, column \d+$/, '')
  return { message: `Invalid YAML: ${first}`, line: pos.line, column: pos.col, path: '' }
}

/** Deep-freezes a plain data structure (the spec is immutable all the way down). */
function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) freeze(child)
  }
  return value
}
