/**
 * Bounds on hostile input that each process (server, runner, agent) reads from its environment once
 * (docs/limits.md): what an archive (a build source, a deployment bundle, a deployed artifact) may
 * unpack to — `SLIPWAY_MAX_UNPACKED_MB` (default 4096) and `SLIPWAY_MAX_ARCHIVE_ENTRIES` (default
 * 100000) — so a small zip or tar cannot become gigabytes on disk or millions of files; and how large
 * a buildspec or appspec may be — `SLIPWAY_MAX_BUILDSPEC_KB` (default 1024), nested at most 64 deep.
 */
import { DEFAULT_YAML_LIMITS, type YamlLimits } from './model/yaml-limits.ts'

export type ArchiveLimits = { maxBytes: number; maxEntries: number }

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 4096 * 1024 * 1024, maxEntries: 100_000 }

/** An archive holds more than the limits allow; nothing of it was unpacked. */
export class ArchiveTooLarge extends Error {
  constructor(what: string) {
    super(what)
    this.name = 'ArchiveTooLarge'
  }
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`)
  return n
}

/** The limits the environment sets (or the defaults); a malformed value throws, naming the variable. */
export function archiveLimitsFrom(env: NodeJS.ProcessEnv): ArchiveLimits {
  const mb = positiveInteger(env, 'SLIPWAY_MAX_UNPACKED_MB')
  const entries = positiveInteger(env, 'SLIPWAY_MAX_ARCHIVE_ENTRIES')
  return {
    maxBytes: mb !== undefined ? mb * 1024 * 1024 : DEFAULT_ARCHIVE_LIMITS.maxBytes,
    maxEntries: entries ?? DEFAULT_ARCHIVE_LIMITS.maxEntries,
  }
}

/** The YAML limits the environment sets (or the defaults). */
export function yamlLimitsFrom(env: NodeJS.ProcessEnv): YamlLimits {
  const kb = positiveInteger(env, 'SLIPWAY_MAX_BUILDSPEC_KB')
  return { ...DEFAULT_YAML_LIMITS, ...(kb !== undefined ? { maxBytes: kb * 1024 } : {}) }
}

let archives: ArchiveLimits | undefined
let yaml: YamlLimits | undefined
/** This process's archive limits (read once). */
export const processArchiveLimits = (): ArchiveLimits => (archives ??= archiveLimitsFrom(process.env))
/** This process's buildspec and appspec limits (read once). */
export const processYamlLimits = (): YamlLimits => (yaml ??= yamlLimitsFrom(process.env))

/** Refuses an archive whose entries (count, and declared sizes) exceed the limits. */
export function checkArchiveSize(entries: readonly { size: number }[], limits: ArchiveLimits): void {
  if (entries.length > limits.maxEntries) {
    throw new ArchiveTooLarge(`the archive holds ${entries.length} entries, more than the limit of ${limits.maxEntries} (SLIPWAY_MAX_ARCHIVE_ENTRIES)`)
  }
  const total = entries.reduce((sum, e) => sum + e.size, 0)
  if (total > limits.maxBytes) {
    throw new ArchiveTooLarge(`the archive unpacks to ${total} bytes, more than the limit of ${limits.maxBytes} (SLIPWAY_MAX_UNPACKED_MB=${Math.round(limits.maxBytes / 1024 / 1024)})`)
  }
}
