/**
 * Pure artifact (and report file) selection: which files under the source directory go into an
 * artifact, and under which archive path (file-formats §1.5).
 *
 * Input is the listing of the source directory as relative POSIX paths of its leaves — regular
 * files and symlinks, never directories (a symlink is a leaf: it is not followed here; packaging
 * decides with `enable-symlinks`). Choices where CodeBuild is not documented:
 * - a pattern without glob syntax that names a directory (`dist`, `dist/`) selects everything under
 *   it; a glob that matches only a directory name (`dis*`) selects nothing from it;
 * - a pattern that is absolute or climbs out with `..` is a `CLIENT_ERROR` (the listing cannot hold
 *   such paths; expand `$CODEBUILD_SRC_DIR_x` references before calling);
 * - `base-directory` is a glob over directory paths (a plain path being the common case); each
 *   matching directory contributes its content, relative to itself;
 * - with `discard-paths`, two files flattening to one name: the last one in source-path order wins
 *   and a warning names both (CodeBuild overwrites silently);
 * - output is sorted by archive path, so it never depends on the listing's order.
 */
import type { ArtifactSpec, ReportGroupPlan } from './buildspec-types.ts'
import { compileGlob, hasGlobSyntax, normalizeGlob } from './glob.ts'

/** What selection needs from an artifact spec (`ArtifactSpec` fits). */
export type ArtifactSelectionSpec = Pick<ArtifactSpec, 'files' | 'discardPaths' | 'excludePaths'> & { readonly baseDirectory?: string }
/** What selection needs from a report group (`ReportGroupPlan` fits). */
export type ReportSelectionSpec = Pick<ReportGroupPlan, 'files' | 'discardPaths'> & { readonly baseDirectory?: string }

/** One selected file: where it is under the source directory, and where it goes in the artifact. */
export type SelectedFile = { readonly sourcePath: string; readonly archivePath: string }

/** A phase context as CodeBuild reports it (`Build.phases[].contexts[]`). */
export type PhaseContext = { readonly statusCode: 'CLIENT_ERROR'; readonly message: string }

export type SelectionResult = {
  /** Sorted by `archivePath`; empty when there are errors. */
  readonly files: readonly SelectedFile[]
  readonly errors: readonly PhaseContext[]
  readonly warnings: readonly string[]
}

type Matcher = (relativePath: string) => boolean

/** Selects an artifact's files. No file selected is `CLIENT_ERROR: no matching artifact paths found`. */
export function selectArtifactFiles(listing: readonly string[], spec: ArtifactSelectionSpec): SelectionResult {
  const outcome = select(listing, spec.files, spec.excludePaths, spec.baseDirectory, spec.discardPaths)
  if ('errors' in outcome) return { files: [], errors: outcome.errors, warnings: [] }
  if ('missingBase' in outcome) return { files: [], errors: [clientError(`no matching base directory path found for ${outcome.missingBase}`)], warnings: [] }
  if (outcome.files.length === 0) return { files: [], errors: [clientError('no matching artifact paths found')], warnings: outcome.warnings }
  return { ...outcome, errors: [] }
}

/** Selects a report group's files. Nothing matching (or no base directory) is a warning: the report is just empty. */
export function reportFileSelection(listing: readonly string[], spec: ReportSelectionSpec): SelectionResult {
  const outcome = select(listing, spec.files, [], spec.baseDirectory, spec.discardPaths)
  if ('errors' in outcome) return { files: [], errors: outcome.errors, warnings: [] }
  if ('missingBase' in outcome) return { files: [], errors: [], warnings: [`no matching base directory path found for ${outcome.missingBase}`] }
  if (outcome.files.length === 0) return { files: [], errors: [], warnings: [...outcome.warnings, 'no matching report paths found'] }
  return { ...outcome, errors: [] }
}

type Outcome = { readonly errors: PhaseContext[] } | { readonly missingBase: string } | { readonly files: SelectedFile[]; readonly warnings: string[] }

function select(listing: readonly string[], files: readonly string[], excludes: readonly string[], base: string | undefined, discardPaths: boolean): Outcome {
  const invalid = [...files, ...excludes, ...(base === undefined ? [] : [base])].filter(escapesRoot)
  if (invalid.length > 0) return { errors: invalid.map((p) => clientError(`invalid path ${p}: paths must be relative to the source directory`)) }
  const paths = [...new Set(listing.map(normalizeGlob))].filter((p) => p !== '').sort(compare)
  const bases = baseDirectories(paths, base)
  if (bases.length === 0) return { missingBase: base ?? '' }
  const include = files.map(matcher)
  const exclude = excludes.map(matcher)
  const byArchivePath = new Map<string, SelectedFile>()
  const warnings: string[] = []
  for (const dir of bases) {
    const prefix = dir === '' ? '' : `${dir}/`
    for (const sourcePath of paths) {
      if (!sourcePath.startsWith(prefix)) continue
      const relative = sourcePath.slice(prefix.length)
      if (!include.some((m) => m(relative)) || exclude.some((m) => m(relative))) continue
      const archivePath = discardPaths ? (relative.split('/').pop() ?? relative) : relative
      const earlier = byArchivePath.get(archivePath)
      if (earlier !== undefined) warnings.push(`${sourcePath} replaces ${earlier.sourcePath} at ${archivePath} in the artifact`)
      byArchivePath.set(archivePath, { sourcePath, archivePath })
    }
  }
  return { files: [...byArchivePath.values()].sort((a, b) => compare(a.archivePath, b.archivePath)), warnings }
}

/** The base directories a `base-directory` value selects, sorted; `['']` (the root) when absent. */
function baseDirectories(paths: readonly string[], base: string | undefined): string[] {
  if (base === undefined) return ['']
  const normalized = normalizeGlob(base)
  if (normalized === '') return ['']
  const dirs = new Set<string>()
  for (const p of paths) {
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  if (!hasGlobSyntax(normalized)) return dirs.has(normalized) ? [normalized] : []
  const re = compileGlob(normalized)
  return [...dirs].filter((d) => re.test(d)).sort(compare)
}

/** A file pattern as a predicate on paths relative to the base directory. */
function matcher(pattern: string): Matcher {
  const normalized = normalizeGlob(pattern)
  if (normalized === '') return () => true
  if (!hasGlobSyntax(normalized)) return (p) => p === normalized || p.startsWith(`${normalized}/`)
  const re = compileGlob(normalized)
  return (p) => re.test(p)
}

function escapesRoot(pattern: string): boolean {
  return pattern.startsWith('/') || normalizeGlob(pattern).split('/').includes('..')
}

function clientError(message: string): PhaseContext {
  return { statusCode: 'CLIENT_ERROR', message }
}

/** Code-unit order: stable and locale-independent. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
