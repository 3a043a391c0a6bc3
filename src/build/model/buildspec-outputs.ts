/**
 * The buildspec's output sections → plans: `artifacts` (with `secondary-artifacts`), `reports`,
 * `cache` and `proxy` (file-formats §1.2, §1.5).
 *
 * Rules: `files` is required in `artifacts` (even when only secondaries are used), in every
 * secondary artifact and in every report group; report `file-format` is case-insensitive and
 * defaults to `JUNITXML`; more than 5 report groups get a warning (the per-project quota); cache
 * `action` is `restore` or `save` (absent: both).
 */
import {
  COVERAGE_REPORT_FORMATS,
  TEST_REPORT_FORMATS,
  type ArtifactSpec,
  type ArtifactsPlan,
  type CachePlan,
  type ProxyPlan,
  type ReportFileFormat,
  type ReportGroupPlan,
  type SecondaryArtifactPlan,
} from './buildspec-types.ts'
import { childPath, type Entry, type Reader, type Slot } from './yaml-reader.ts'

const ARTIFACT_KEYS = ['files', 'name', 'discard-paths', 'base-directory', 'exclude-paths', 'enable-symlinks', 's3-prefix'] as const
const REPORT_KEYS = ['files', 'base-directory', 'discard-paths', 'file-format'] as const
const CACHE_KEYS = ['paths', 'key', 'fallback-keys', 'action'] as const
const PROXY_KEYS = ['upload-artifacts', 'logs'] as const
const REPORT_FORMATS: readonly ReportFileFormat[] = [...TEST_REPORT_FORMATS, ...COVERAGE_REPORT_FORMATS]
const MAX_REPORT_GROUPS = 5

const getter = (entries: readonly Entry[] | undefined) => (key: string) => entries?.find((e) => e.name === key)?.slot

/** `artifacts`, or undefined when the section is absent. */
export function readArtifacts(r: Reader, slot: Slot | undefined): ArtifactsPlan | undefined {
  if (slot === undefined || r.isAbsent(slot)) return undefined
  const entries = r.entries(slot, 'artifacts', [...ARTIFACT_KEYS, 'secondary-artifacts'])
  if (entries === undefined) return undefined
  const primary = readArtifactSpec(r, slot, entries, 'artifacts')
  const secondarySlot = getter(entries)('secondary-artifacts')
  const secondaryArtifacts: SecondaryArtifactPlan[] = []
  for (const { name, slot: s } of (secondarySlot && r.entries(secondarySlot, 'secondary-artifacts')) ?? []) {
    const label = `secondary-artifacts.${name}`
    if (r.isAbsent(s)) {
      r.error({ ...s, node: null, path: `${s.path}.files` }, `Missing required files in ${label}`)
      continue
    }
    const spec = readArtifactSpec(r, s, r.entries(s, label, ARTIFACT_KEYS) ?? [], label)
    secondaryArtifacts.push({ identifier: name, ...spec })
  }
  return { ...primary, secondaryArtifacts }
}

function readArtifactSpec(r: Reader, slot: Slot, entries: readonly Entry[], label: string): ArtifactSpec {
  const get = getter(entries)
  const files = requiredGlobs(r, slot, get('files'), label, 'files')
  const name = optionalString(r, get('name'), `${label}.name`)
  const baseDirectory = optionalString(r, get('base-directory'), `${label}.base-directory`)
  const s3Prefix = optionalString(r, get('s3-prefix'), `${label}.s3-prefix`)
  const excludeSlot = get('exclude-paths')
  return {
    files,
    ...(name !== undefined && { name }),
    discardPaths: flag(r, get('discard-paths'), `${label}.discard-paths`),
    ...(baseDirectory !== undefined && { baseDirectory }),
    excludePaths: (excludeSlot && r.pathList(excludeSlot, `${label}.exclude-paths`)) ?? [],
    enableSymlinks: flag(r, get('enable-symlinks'), `${label}.enable-symlinks`),
    ...(s3Prefix !== undefined && { s3Prefix }),
  }
}

/** `reports`: one plan per report group, in file order. */
export function readReports(r: Reader, slot: Slot | undefined): ReportGroupPlan[] {
  if (slot === undefined) return []
  const groups = r.entries(slot, 'reports') ?? []
  if (groups.length > MAX_REPORT_GROUPS) r.warn({ ...slot, node: null }, `${groups.length} report groups are declared; a project may have at most ${MAX_REPORT_GROUPS}`)
  const out: ReportGroupPlan[] = []
  for (const { name, slot: s } of groups) {
    const label = `reports.${name}`
    if (r.isAbsent(s)) {
      r.error({ ...s, node: null, path: `${s.path}.files` }, `Missing required files in ${label}`)
      continue
    }
    const get = getter(r.entries(s, label, REPORT_KEYS))
    const files = requiredGlobs(r, s, get('files'), label, 'files')
    const baseDirectory = optionalString(r, get('base-directory'), `${label}.base-directory`)
    const fileFormat = readFileFormat(r, get('file-format'), label)
    out.push({
      name,
      isArn: name.startsWith('arn:'),
      files,
      ...(baseDirectory !== undefined && { baseDirectory }),
      discardPaths: flag(r, get('discard-paths'), `${label}.discard-paths`),
      fileFormat,
      reportType: (COVERAGE_REPORT_FORMATS as readonly string[]).includes(fileFormat) ? 'CODE_COVERAGE' : 'TEST',
    })
  }
  return out
}

function readFileFormat(r: Reader, slot: Slot | undefined, label: string): ReportFileFormat {
  const text = slot && r.string(slot, `${label}.file-format`)
  if (slot === undefined || text === undefined) return 'JUNITXML'
  const upper = text.toUpperCase()
  if ((REPORT_FORMATS as readonly string[]).includes(upper)) return upper as ReportFileFormat
  r.error(slot, `Invalid file-format '${text}' in ${label}: expected one of ${REPORT_FORMATS.join(', ')}`)
  return 'JUNITXML'
}

/** `cache`, or undefined when the section is absent. */
export function readCache(r: Reader, slot: Slot | undefined): CachePlan | undefined {
  if (slot === undefined || r.isAbsent(slot)) return undefined
  const entries = r.entries(slot, 'cache', CACHE_KEYS)
  if (entries === undefined) return undefined
  const get = getter(entries)
  const pathsSlot = get('paths')
  const fallbackSlot = get('fallback-keys')
  const key = optionalString(r, get('key'), 'cache.key')
  const action = readCacheAction(r, get('action'))
  return {
    paths: (pathsSlot && r.pathList(pathsSlot, 'cache.paths')) ?? [],
    ...(key !== undefined && { key }),
    fallbackKeys: (fallbackSlot && r.stringList(fallbackSlot, 'cache.fallback-keys')) ?? [],
    restore: action !== 'save',
    save: action !== 'restore',
  }
}

function readCacheAction(r: Reader, slot: Slot | undefined): 'restore' | 'save' | undefined {
  const text = slot && r.string(slot, 'cache.action')
  if (slot === undefined || text === undefined) return undefined
  const lower = text.toLowerCase()
  if (lower === 'restore' || lower === 'save') return lower
  r.error(slot, `Invalid cache action '${text}': expected restore or save`)
  return undefined
}

/** `proxy`, defaults `no`/`no`. */
export function readProxy(r: Reader, slot: Slot | undefined): ProxyPlan {
  const get = getter(slot && r.entries(slot, 'proxy', PROXY_KEYS))
  return { uploadArtifacts: flag(r, get('upload-artifacts'), 'proxy.upload-artifacts'), logs: flag(r, get('logs'), 'proxy.logs') }
}

function requiredGlobs(r: Reader, parent: Slot, slot: Slot | undefined, label: string, key: string): string[] {
  if (slot === undefined || r.isAbsent(slot)) {
    r.error(slot ?? { node: null, key: parent.key, path: childPath(parent.path, key) }, `Missing required ${key} in ${label}`)
    return []
  }
  const globs = r.pathList(slot, `${label}.${key}`)
  if (globs?.length === 0) r.error(slot, `Expected ${label}.${key} to list at least one path`)
  return globs ?? []
}

function optionalString(r: Reader, slot: Slot | undefined, label: string): string | undefined {
  const value = slot && r.string(slot, label)
  return value === '' ? undefined : value
}

function flag(r: Reader, slot: Slot | undefined, label: string): boolean {
  return (slot && r.bool(slot, label)) ?? false
}
