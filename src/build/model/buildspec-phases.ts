/**
 * The buildspec's `phases` section → four `PhasePlan`s (file-formats §1.2, §1.4).
 *
 * Rules: `phases` is required; only `install`, `pre_build`, `build`, `post_build` are phase names
 * (others are errors); `commands` is required in every declared phase but `install`; commands
 * and `finally` are lists of strings — a mapping in their place (usually an unquoted `: `) gets
 * CodeBuild's "found subkeys instead" message; `on-failure` is `ABORT` or `CONTINUE`;
 * `runtime-versions` belongs to `install` (elsewhere: warning, ignored).
 */
import { BUILDSPEC_PHASE_NAMES, ON_FAILURE_VALUES, PHASE_TYPE_OF, type BuildspecPhaseName, type OnFailure, type PhasePlan } from './buildspec-types.ts'
import type { Reader, Slot } from './yaml-reader.ts'

const PHASE_KEYS = ['run-as', 'on-failure', 'runtime-versions', 'commands', 'finally'] as const
const SUBKEYS_HINT = ', check indentation and use of special characters (quote a command that contains ": " or starts with "{" or "[")'

/** All four phases in run order; `slot` is the `phases` value (undefined when the key is missing: reported). */
export function readPhases(r: Reader, slot: Slot | undefined, topRunAs: string | undefined): PhasePlan[] {
  const declared = new Map<BuildspecPhaseName, PhasePlan>()
  if (slot === undefined || r.isAbsent(slot)) {
    r.error(slot ?? { ...r.root(), path: 'phases' }, 'Missing required section phases')
  } else {
    const entries = r.entries(slot, 'phases')
    if (entries?.length === 0) r.warn(slot, 'No phases are declared; the build runs no commands')
    for (const { name, slot: phaseSlot } of entries ?? []) {
      if (!(BUILDSPEC_PHASE_NAMES as readonly string[]).includes(name)) {
        r.error({ ...phaseSlot, node: null }, `Unknown phase '${name}' in phases: expected one of ${BUILDSPEC_PHASE_NAMES.join(', ')}`)
        continue
      }
      const phaseName = name as BuildspecPhaseName
      declared.set(phaseName, readPhase(r, phaseName, phaseSlot, topRunAs))
    }
  }
  return BUILDSPEC_PHASE_NAMES.map((name) => declared.get(name) ?? undeclared(name, topRunAs))
}

function undeclared(name: BuildspecPhaseName, runAs: string | undefined): PhasePlan {
  return { name, phaseType: PHASE_TYPE_OF[name], declared: false, ...(runAs !== undefined && { runAs }), runtimeVersions: [], commands: [], finally: [] }
}

function readPhase(r: Reader, name: BuildspecPhaseName, slot: Slot, topRunAs: string | undefined): PhasePlan {
  const entries = r.entries(slot, `phase ${name}`, PHASE_KEYS) ?? []
  const get = (key: string) => entries.find((e) => e.name === key)?.slot
  const runAsSlot = get('run-as')
  const runAs = (runAsSlot && r.requiredString(runAsSlot, `phases.${name}.run-as`)) ?? topRunAs
  const onFailure = readOnFailure(r, get('on-failure'), name)
  const runtimeVersions = readRuntimeVersions(r, get('runtime-versions'), name)
  const commandsSlot = get('commands')
  if ((commandsSlot === undefined || r.isAbsent(commandsSlot)) && name !== 'install') {
    r.error(commandsSlot ?? { ...slot, node: null, path: `${slot.path}.commands` }, `Missing required commands in phase ${name}`)
  }
  const commands = commandsSlot === undefined ? [] : (readCommands(r, commandsSlot, 'Commands') ?? [])
  const finallySlot = get('finally')
  const fin = finallySlot === undefined ? [] : (readCommands(r, finallySlot, 'Finally') ?? [])
  return {
    name,
    phaseType: PHASE_TYPE_OF[name],
    declared: true,
    ...(runAs !== undefined && { runAs }),
    ...(onFailure !== undefined && { onFailure }),
    runtimeVersions,
    commands,
    finally: fin,
  }
}

/** A list of command strings, reported the way CodeBuild words it (`Commands[0]`, `Finally[2]`). */
function readCommands(r: Reader, slot: Slot, label: 'Commands' | 'Finally'): string[] | undefined {
  return r.list(slot, label, (itemSlot, index) => {
    if (r.isAbsent(itemSlot)) {
      r.error(itemSlot, `Expected ${label}[${index}] to be a non-empty command: found an empty value instead`)
      return undefined
    }
    if (r.isScalar(itemSlot)) return r.string(itemSlot, `${label}[${index}]`)
    // CodeBuild's exact wording for a mapping or list in a command's place (line only, as AWS prints it).
    const found = r.found(itemSlot)
    r.errorAt(itemSlot, (line) => `YAML_FILE_ERROR: Expected ${label}[${index}] to be of string type: ${found} at line ${line}${SUBKEYS_HINT}`)
    return undefined
  })
}

function readOnFailure(r: Reader, slot: Slot | undefined, phase: BuildspecPhaseName): OnFailure | undefined {
  if (slot === undefined) return undefined
  const value = r.string(slot, `phases.${phase}.on-failure`)
  if (value === undefined) return undefined
  if ((ON_FAILURE_VALUES as readonly string[]).includes(value)) return value as OnFailure
  r.error(slot, `Invalid on-failure value '${value}' in phase ${phase}: expected one of ${ON_FAILURE_VALUES.join(', ')}`)
  return undefined
}

function readRuntimeVersions(r: Reader, slot: Slot | undefined, phase: BuildspecPhaseName): PhasePlan['runtimeVersions'] {
  if (slot === undefined) return []
  if (phase !== 'install') {
    r.warn({ ...slot, node: null }, `runtime-versions is only supported in the install phase; ignored in phase ${phase}`)
    return []
  }
  const out: { runtime: string; version: string }[] = []
  for (const { name, slot: s } of r.entries(slot, 'runtime-versions') ?? []) {
    const version = r.requiredString(s, `phases.install.runtime-versions.${name}`)
    if (version !== undefined) out.push({ runtime: name, version })
  }
  return out
}
