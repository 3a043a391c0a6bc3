import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import type { BuildArtifacts, ProjectArtifacts } from '../../protocol/models/codebuild.types.ts'
import type { ObjectStore } from '../../artifacts/ports.ts'
import type { BuildRecord } from '../records.ts'
import type { ArtifactSpec, BuildPlan } from '../model/buildspec-types.ts'
import { selectArtifactFiles } from '../model/artifact-selection.ts'
import { writeZip } from '../../shared/zip.ts'
import type { ShellDriver } from './shell-driver.ts'
import { listFiles } from './list-files.ts'

type Failure = { statusCode: string; message: string }
export type UploadDeps = { objects?: ObjectStore; dataDir: string; region: string; accountId: string }

const NAME_FILE = (id: string) => `artifact-name-${Buffer.from(id).toString('hex')}`

/**
 * Reads what the build's shell knows at the end of the command phases: exported variables
 * (`env.exported-variables`) and shell-evaluated artifact names (`artifacts.name` may hold `$VARS`
 * and `$(cmd)`). Values go through files in the control dir, so any bytes survive.
 */
export async function captureShellValues(driver: ShellDriver, plan: BuildPlan, hostControlDir: string, sessionControlDir: string): Promise<{ name: string; value: string }[]> {
  if (driver.ended) return []
  const names = plan.env.exportedVariables.filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))
  const lines = names.map((n) => `printf '%s' "\${${n}-}" > '${sessionControlDir}/export-${n}'`)
  const specs: [string, ArtifactSpec][] = plan.artifacts ? [['', plan.artifacts], ...plan.artifacts.secondaryArtifacts.map((s) => [s.identifier, s] as [string, ArtifactSpec])] : []
  for (const [id, spec] of specs) {
    if (spec.name !== undefined) lines.push(`printf '%s' "${spec.name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}" > '${sessionControlDir}/${NAME_FILE(id)}'`)
  }
  if (lines.length > 0) await driver.internal(lines.join('\n') + '\ntrue')
  return names.map((name) => {
    const file = path.join(hostControlDir, `export-${name}`)
    return { name, value: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '' }
  })
}

function evaluatedName(hostControlDir: string, id: string): string | undefined {
  const file = path.join(hostControlDir, NAME_FILE(id))
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
}

/**
 * UPLOAD_ARTIFACTS: selects files per the buildspec and writes them where the project says — an S3
 * bucket (zip or plain files; path, name, namespaceType), or the pipeline's artifact locations. Sets
 * `build.artifacts` / `build.secondaryArtifacts`. Returns the phase failure, if any.
 */
export async function uploadArtifacts(build: BuildRecord, plan: BuildPlan | undefined, deps: UploadDeps, hostSrcDir: string, hostControlDir: string): Promise<{ error?: Failure }> {
  const s = build.settings
  const uuid = build.id.slice(build.projectName.length + 1)
  const objects = deps.objects
  if (!objects) return {}
  const store = { ...deps, objects }
  try {
    if (s.pipeline && plan?.artifacts) {
      const outputs = s.pipeline.outputs
      for (const out of outputs) {
        const spec = outputs.length === 1 ? plan.artifacts : plan.artifacts.secondaryArtifacts.find((a) => a.identifier === out.name)
        if (!spec) return { error: { statusCode: 'CLIENT_ERROR', message: `no secondary artifact in the buildspec for pipeline output artifact ${out.name}` } }
        await putZip(store, out.bucket, out.key, hostSrcDir, spec, build)
      }
      return {}
    }
    if (s.artifacts.type === 'S3' && plan?.artifacts) {
      build.artifacts = await upload(store, s.artifacts, plan.artifacts, evaluatedName(hostControlDir, ''), build, uuid, hostSrcDir)
    }
    build.secondaryArtifacts = []
    for (const target of s.secondaryArtifacts) {
      const spec = plan?.artifacts?.secondaryArtifacts.find((a) => a.identifier === target.artifactIdentifier)
      if (!spec || target.type !== 'S3') continue
      build.secondaryArtifacts.push({ ...(await upload(store, target, spec, evaluatedName(hostControlDir, spec.identifier), build, uuid, hostSrcDir)), artifactIdentifier: target.artifactIdentifier })
    }
    return {}
  } catch (err) {
    return { error: { statusCode: 'CLIENT_ERROR', message: (err as Error).message } }
  }
}

async function upload(deps: Required<UploadDeps>, target: ProjectArtifacts, spec: ArtifactSpec, evaluated: string | undefined, build: BuildRecord, uuid: string, srcDir: string): Promise<BuildArtifacts> {
  const bucket = target.location ?? ''
  const name = (target.overrideArtifactName && evaluated) || target.name || build.projectName
  const prefix = [target.path, target.namespaceType === 'BUILD_ID' ? uuid : undefined].filter((p): p is string => !!p).map((p) => p.replace(/^\/+|\/+$/g, ''))
  const key = [...prefix, name].filter((p) => p !== '').join('/')
  if (target.packaging === 'ZIP') {
    const sums = await putZip(deps, bucket, key, srcDir, spec, build)
    return { location: `arn:aws:s3:::${bucket}/${key}`, ...sums, overrideArtifactName: target.overrideArtifactName }
  }
  for (const f of selected(srcDir, spec)) {
    await deps.objects.putObject(bucket, `${key}/${f.archivePath}`, fs.createReadStream(f.sourcePath), { userMetadata: meta(deps, build) })
  }
  return { location: `arn:aws:s3:::${bucket}/${key}`, overrideArtifactName: target.overrideArtifactName }
}

function selected(srcDir: string, spec: ArtifactSpec) {
  const result = selectArtifactFiles(listFiles(srcDir).filter((f) => f.kind !== 'dir').map((f) => f.path), spec)
  const problem = result.errors[0]
  if (problem) throw new Error(problem.message)
  return result.files.map((f) => ({ archivePath: f.archivePath, sourcePath: path.join(srcDir, f.sourcePath) }))
}

const meta = (deps: UploadDeps, build: BuildRecord) => ({ 'codebuild-buildarn': `arn:aws:codebuild:${deps.region}:${deps.accountId}:build/${build.id}` })

/** Zips the selected files to a temp file (hashing it), then streams it into the bucket. */
async function putZip(deps: Required<UploadDeps>, bucket: string, key: string, srcDir: string, spec: ArtifactSpec, build: BuildRecord) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-artifact-'))
  try {
    const file = path.join(tmp, 'artifact.zip')
    await writeZip(selected(srcDir, spec), fs.createWriteStream(file), { keepSymlinks: spec.enableSymlinks })
    const sha256 = createHash('sha256')
    const md5 = createHash('md5')
    const body = new PassThrough()
    const reader = fs.createReadStream(file)
    reader.on('data', (c) => {
      sha256.update(c)
      md5.update(c)
    })
    reader.pipe(body)
    await deps.objects.putObject(bucket, key, body, { contentType: 'application/zip', userMetadata: meta(deps, build) })
    return { sha256sum: sha256.digest('hex'), md5sum: md5.digest('hex') }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
