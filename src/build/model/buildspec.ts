/**
 * Buildspec compiler: text → (errors, warnings) → immutable `BuildPlan`.
 *
 * Pipeline: YAML parse (failsafe schema, positions via `LineCounter`) → YAML syntax errors become
 * `YAML_FILE_ERROR` problems → each section is read and validated by its own module, collecting
 * every problem (not just the first) → when there are no errors, the normalised plan is
 * deep-frozen and returned. Warnings never block a plan.
 *
 * Pure: no I/O, no clock. The executor reports `errors[0].message` as the DOWNLOAD_SOURCE phase
 * context (`YAML_FILE_ERROR`), as CodeBuild does.
 */
import type { LineCounter, YAMLError } from 'yaml'
import { readEnv } from './buildspec-env.ts'
import { readArtifacts, readCache, readProxy, readReports } from './buildspec-outputs.ts'
import { readPhases } from './buildspec-phases.ts'
import type { BuildPlan, BuildspecProblem, BuildspecVersion, ParseBuildspecResult } from './buildspec-types.ts'
import { Reader, type Slot } from './yaml-reader.ts'
import { DEFAULT_YAML_LIMITS, parseWithinLimits, type YamlLimits } from '../../shared/model/yaml-limits.ts'

export * from './buildspec-types.ts'

const TOP_LEVEL_KEYS = ['version', 'run-as', 'env', 'proxy', 'batch', 'phases', 'reports', 'artifacts', 'cache'] as const

/**
 * Parses and validates a buildspec. `plan` is present exactly when `errors` is empty. A buildspec
 * larger than `limits.maxBytes` or nested deeper than `limits.maxDepth` is refused whole.
 */
export function parseBuildspec(text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): ParseBuildspecResult {
  const parsed = parseWithinLimits(text, 'buildspec', limits, { prettyErrors: true, schema: 'failsafe', uniqueKeys: true }, 'SLIPWAY_MAX_BUILDSPEC_KB')
  if ('problem' in parsed) return freeze({ errors: [{ ...parsed.problem, message: `YAML_FILE_ERROR: ${parsed.problem.message}`, path: '' }], warnings: [] })
  const { doc, lines } = parsed
  const syntaxErrors = doc.errors.map((e) => yamlProblem(e, lines))
  const yamlWarnings = doc.warnings.map((w) => yamlProblem(w, lines, ''))
  if (syntaxErrors.length > 0) return freeze({ errors: syntaxErrors, warnings: yamlWarnings })

  const r = new Reader(doc, lines)
  r.warnings.push(...yamlWarnings)
  const plan = compile(r)
  const errors = byPosition(r.errors)
  const warnings = byPosition(r.warnings)
  if (errors.length > 0 || plan === undefined) return freeze({ errors, warnings })
  return freeze({ plan, errors: [], warnings })
}

/** Problems in text order (stable for problems at the same position). */
function byPosition(problems: readonly BuildspecProblem[]): BuildspecProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
}

function compile(r: Reader): BuildPlan | undefined {
  const root = r.root()
  if (r.isAbsent(root)) {
    r.error({ ...root, path: 'version' }, 'The buildspec is empty: missing required version and phases')
    return undefined
  }
  const entries = r.entries(root, 'the buildspec', TOP_LEVEL_KEYS)
  if (entries === undefined) return undefined
  const get = (key: string): Slot | undefined => entries.find((e) => e.name === key)?.slot
  const version = readVersion(r, get('version'))
  const runAsSlot = get('run-as')
  const runAs = runAsSlot && r.requiredString(runAsSlot, 'run-as')
  const env = readEnv(r, get('env'))
  const proxy = readProxy(r, get('proxy'))
  const batchSlot = get('batch')
  if (batchSlot !== undefined) r.warn({ ...batchSlot, node: null }, 'Batch builds are not supported; the batch section is ignored')
  const phases = readPhases(r, get('phases'), runAs)
  const reports = readReports(r, get('reports'))
  const artifacts = readArtifacts(r, get('artifacts'))
  const cache = readCache(r, get('cache'))
  if (version === undefined) return undefined
  return {
    version,
    ...(runAs !== undefined && { runAs }),
    env,
    proxy,
    phases,
    reports,
    ...(artifacts !== undefined && { artifacts }),
    ...(cache !== undefined && { cache }),
  }
}

/** `version`: required, `0.2` (or legacy `0.1`, with a warning), as a YAML number or string. */
function readVersion(r: Reader, slot: Slot | undefined): BuildspecVersion | undefined {
  if (slot === undefined || r.isAbsent(slot)) {
    r.error(slot ?? { ...r.root(), path: 'version' }, 'Missing required version: expected version 0.2')
    return undefined
  }
  const text = r.string(slot, 'version')
  if (text === undefined) return undefined
  if (text === '0.2') return '0.2'
  if (text === '0.1') {
    r.warn(slot, 'Buildspec version 0.1 is deprecated: each command runs in its own shell instance; use version 0.2')
    return '0.1'
  }
  r.error(slot, `Invalid buildspec version '${text}': expected 0.2 (or the legacy 0.1)`)
  return undefined
}

/** A YAML syntax error or warning as a problem: the parser's first message line, positioned. */
function yamlProblem(e: YAMLError, lines: LineCounter, prefix = 'YAML_FILE_ERROR: '): BuildspecProblem {
  const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0])
  const first = e.code === 'MULTIPLE_DOCS' ? `The buildspec must be a single YAML document: found a second one at line ${pos.line}, column ${pos.col}` : (e.message.split('\n')[0] ?? e.message).replace(/:$/, '')
  const message = /\bat line \d+/.test(first) ? first : `${first} at line ${pos.line}, column ${pos.col}`
  return { message: `${prefix}${message}`, line: pos.line, column: pos.col, path: '' }
}

/** Deep-freezes a plain data structure (the plan is immutable all the way down). */
function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) freeze(child)
  }
  return value
}
