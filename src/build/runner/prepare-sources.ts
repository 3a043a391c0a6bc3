import fs from 'node:fs'
import path from 'node:path'
import type { ObjectStore } from '../../artifacts/ports.ts'
import type { BuildRecord } from '../records.ts'
import type { BuildPlan } from '../model/buildspec-types.ts'
import { parseBuildspec } from '../model/buildspec.ts'
import { CLONE_REF_FILE, type SourceDeps, SourceError, downloadAndExtract, fetchSource, requireObjects, s3LocationOf } from './source.ts'
import { processYamlLimits } from '../../shared/input-limits.ts'

/**
 * DOWNLOAD_SOURCE: the primary source into `<workDir>/src`, secondary sources into
 * `<workDir>/src_<identifier>` (exported as `CODEBUILD_SRC_DIR_<identifier>`), pipeline input
 * artifacts likewise. Returns the primary source's resolved version.
 */
export async function prepareSources(build: BuildRecord, deps: SourceDeps, workDir: string): Promise<string | undefined> {
  const s = build.settings
  const src = path.join(workDir, 'src')
  fs.mkdirSync(src, { recursive: true })
  if (s.pipeline) {
    const primary = s.pipeline.inputs.find((i) => i.name === s.pipeline?.primarySource) ?? s.pipeline.inputs[0]
    let resolved = s.sourceVersion
    for (const input of s.pipeline.inputs) {
      const dir = input === primary ? src : path.join(workDir, `src_${input.name}`)
      fs.mkdirSync(dir, { recursive: true })
      await downloadAndExtract(requireObjects(deps), input.bucket, input.key, undefined, dir)
      const commit = await expandCloneRef(deps, dir)
      if (commit && input === primary) resolved = commit
    }
    return resolved
  }
  const resolved = await fetchSource(deps, s.source, s.sourceVersion, src)
  for (const secondary of s.secondarySources) {
    const id = secondary.sourceIdentifier ?? ''
    if (!/^\w+$/.test(id)) throw new SourceError('CLIENT_ERROR', `secondary source identifier '${id}' is not valid`)
    const dir = path.join(workDir, `src_${id}`)
    fs.mkdirSync(dir, { recursive: true })
    const version = s.secondarySourceVersions.find((v) => v.sourceIdentifier === id)?.sourceVersion
    await fetchSource(deps, secondary, version, dir)
  }
  return resolved
}

/**
 * A CODEBUILD_CLONE_REF artifact (the CodeCommit source action's reference file) becomes a full git
 * clone of the repository at that commit, in place of the file. Returns the commit, if it was one.
 */
async function expandCloneRef(deps: SourceDeps, dir: string): Promise<string | undefined> {
  const file = path.join(dir, CLONE_REF_FILE)
  if (!fs.existsSync(file) || fs.readdirSync(dir).length !== 1) return undefined
  const ref = JSON.parse(fs.readFileSync(file, 'utf8')) as { repositoryName: string; commitId: string }
  fs.rmSync(file)
  await fetchSource(deps, { type: 'CODECOMMIT', location: ref.repositoryName }, ref.commitId, dir)
  return ref.commitId
}

/**
 * The build's buildspec, compiled: the override or project `buildspec` (inline YAML, a path in the
 * source, or an S3 ARN), else `buildspec.yml` at the source root. A YAML problem fails the build
 * with YAML_FILE_ERROR naming line and column.
 */
export async function loadBuildspec(build: BuildRecord, objects: ObjectStore | undefined, srcDir: string): Promise<BuildPlan> {
  const declared = build.settings.buildspecOverride ?? build.settings.source.buildspec
  let text: string
  if (declared && /\n|^\s*version\s*:/.test(declared)) {
    text = declared
  } else if (declared?.startsWith('arn:aws:s3:::')) {
    const loc = s3LocationOf(declared)
    if (!loc) throw new SourceError('YAML_FILE_ERROR', `invalid buildspec location ${declared}`)
    const chunks: Buffer[] = []
    if (!objects) throw new SourceError('YAML_FILE_ERROR', 'a buildspec in S3 needs the server')
    const { body } = await objects.getObject(loc.bucket, loc.key)
    for await (const c of body) chunks.push(c as Buffer)
    text = Buffer.concat(chunks).toString('utf8')
  } else {
    const rel = declared || 'buildspec.yml'
    const file = path.resolve(srcDir, rel)
    if (!file.startsWith(path.resolve(srcDir) + path.sep) || !fs.existsSync(file)) {
      throw new SourceError('YAML_FILE_ERROR', `YAML_FILE_ERROR Message: stat ${path.posix.join('$CODEBUILD_SRC_DIR', rel)}: no such file or directory`)
    }
    text = fs.readFileSync(file, 'utf8')
  }
  const result = parseBuildspec(text, processYamlLimits())
  if (!result.plan) {
    const first = result.errors[0]
    throw new SourceError('YAML_FILE_ERROR', first ? `${first.message}${/line \d+/.test(first.message) ? '' : ` at line ${first.line}, column ${first.column}`}` : 'invalid buildspec')
  }
  return result.plan
}
