import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { ProjectSource } from '../../protocol/models/codebuild.types.ts'
import type { ObjectStore } from '../../artifacts/ports.ts'
import { extractZipFile } from '../../shared/zip.ts'

/**
 * The file a CODEBUILD_CLONE_REF artifact holds (written by the pipeline's CodeCommit source action):
 * `{ repositoryName, cloneUrl, commitId, branch }`. A build turns it into a full git clone.
 */
export const CLONE_REF_FILE = '.slipway-clone-ref.json'

/** A source could not be fetched: the build fails DOWNLOAD_SOURCE with this status code and message. */
export class SourceError extends Error {
  readonly statusCode: string
  constructor(statusCode: string, message: string) {
    super(message)
    this.name = 'SourceError'
    this.statusCode = statusCode
  }
}

/** The repository name in a CODECOMMIT source location (`https://host/v1/repos/<name>` or the bare name). */
export function repositoryNameOf(location: string | undefined): string | undefined {
  if (!location) return undefined
  const m = /\/v1\/repos\/([^/?#]+)\/?$/.exec(location)
  return decodeURIComponent(m?.[1] ?? location)
}

/** `bucket/key` of an S3 source or an `arn:aws:s3:::bucket/key`. */
export function s3LocationOf(location: string): { bucket: string; key: string } | undefined {
  const m = /^(?:arn:aws[\w-]*:s3:::)?([^/]+)\/(.+)$/.exec(location)
  return m && m[1] && m[2] ? { bucket: m[1], key: m[2] } : undefined
}

/** Where CODECOMMIT sources come from: the server's repositories, cloned over git smart HTTP. */
export interface RepositorySource {
  /**
   * Clones repository `name` into `dir` (empty) with `origin` pointing at the server, and checks out
   * `version` (a branch, tag or commit; the default branch when absent) detached. Returns the commit.
   * @throws SourceError when the repository or the version does not exist.
   */
  clone(name: string, version: string | undefined, dir: string, depth?: number): Promise<string>
}

export type SourceDeps = { repositories?: RepositorySource; objects?: ObjectStore }

export function requireObjects(deps: SourceDeps): ObjectStore {
  if (!deps.objects) throw new SourceError('CLIENT_ERROR', 'this source needs the server\'s object store')
  return deps.objects
}

/**
 * Puts a source into `dir` (which exists and is empty). Returns the resolved version (commit id for
 * git sources). CODECOMMIT gets a real git clone (with history, `origin` pointing at Slipway);
 * S3 a zip extracted with escape-proof paths; NO_SOURCE nothing.
 */
export async function fetchSource(deps: SourceDeps, source: ProjectSource, version: string | undefined, dir: string): Promise<string | undefined> {
  switch (source.type) {
    case 'NO_SOURCE':
      return undefined
    case 'CODECOMMIT': {
      if (!deps.repositories) throw new SourceError('CLIENT_ERROR', 'CodeCommit sources need the server')
      const name = repositoryNameOf(source.location)
      if (!name) throw new SourceError('CLIENT_ERROR', `repository not found for CodeCommit location ${source.location ?? ''}`)
      return deps.repositories.clone(name, version, dir, source.gitCloneDepth && source.gitCloneDepth > 0 ? source.gitCloneDepth : undefined)
    }
    case 'S3':
      return fetchS3(requireObjects(deps), source, version, dir)
    default:
      throw new SourceError('CLIENT_ERROR', `Source type ${source.type} is not supported by Slipway`)
  }
}

async function fetchS3(objects: ObjectStore, source: ProjectSource, version: string | undefined, dir: string): Promise<string | undefined> {
  const loc = source.location ? s3LocationOf(source.location) : undefined
  if (!loc) throw new SourceError('CLIENT_ERROR', `S3 source location must be <bucket>/<key>, got ${source.location ?? ''}`)
  await downloadAndExtract(objects, loc.bucket, loc.key, version, dir)
  return version
}

/** Downloads a zip object to a temp file and extracts it into `dir`. */
export async function downloadAndExtract(objects: ObjectStore, bucket: string, key: string, versionId: string | undefined, dir: string): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-src-'))
  try {
    const zipFile = path.join(tmp, 'source.zip')
    let object
    try {
      object = await objects.getObject(bucket, key, { versionId })
    } catch (err) {
      throw new SourceError('CLIENT_ERROR', `error while downloading s3://${bucket}/${key}: ${(err as Error).message}`)
    }
    await pipeline(object.body, fs.createWriteStream(zipFile))
    try {
      await extractZipFile(zipFile, dir)
    } catch (err) {
      throw new SourceError('CLIENT_ERROR', `could not unzip s3://${bucket}/${key}: ${(err as Error).message}`)
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
