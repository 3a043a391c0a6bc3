/**
 * The deployment specification a `GetDeploymentSpecification` answer carries, decoded from its
 * envelope (`PKCS7/JSON` signed data opened without verifying the signer, as the CodeDeploy agent
 * does; `TEXT/JSON` too, which older Slipway servers sent) into what the agent needs.
 */
import { openPkcs7 } from '../infra/tls/pkcs7.ts'
import { isSafeSegment } from './layout.ts'

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN'

export type S3Revision = { bucket: string; key: string; bundleType: string; version?: string; etag?: string }

export type DeploymentSpec = {
  deploymentId: string
  deploymentGroupId: string
  deploymentGroupName: string
  applicationName: string
  deploymentCreator: string
  deploymentType: string
  appSpecFilename: string
  revision: S3Revision
  /** From `AgentActionOverrides.AgentOverrides.FileExistsBehavior`; the appspec's own value wins. */
  fileExistsBehavior: FileExistsBehavior
  allPossibleLifecycleEvents?: string[]
}

export class DeploymentSpecError extends Error {
  constructor(message: string) {
    super(`Invalid deployment specification: ${message}`)
    this.name = 'DeploymentSpecError'
  }
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

function str(obj: Json, key: string, required: boolean, fallback = ''): string {
  const v = obj[key]
  if (v === undefined || v === null || v === '') {
    if (required) throw new DeploymentSpecError(`${key} is missing`)
    return fallback
  }
  if (typeof v !== 'string') throw new DeploymentSpecError(`${key} is not a string`)
  return v
}

function optional(obj: Json, key: string): string | undefined {
  const v = obj[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** Parses the specification JSON (the envelope's payload). */
export function parseDeploymentSpec(payload: string): DeploymentSpec {
  let doc: unknown
  try {
    doc = JSON.parse(payload)
  } catch {
    throw new DeploymentSpecError('the payload is not JSON')
  }
  if (!isObject(doc)) throw new DeploymentSpecError('the payload is not a JSON object')
  // A deployment ARN ends in `/<id>`.
  const rawId = str(doc, 'DeploymentId', true)
  const deploymentId = rawId.includes('/') ? rawId.slice(rawId.lastIndexOf('/') + 1) : rawId
  const deploymentGroupId = str(doc, 'DeploymentGroupId', true)
  if (!isSafeSegment(deploymentId)) throw new DeploymentSpecError(`DeploymentId '${rawId}' is not usable as a directory name`)
  if (!isSafeSegment(deploymentGroupId)) throw new DeploymentSpecError(`DeploymentGroupId '${deploymentGroupId}' is not usable as a directory name`)
  const revision = doc.Revision
  if (!isObject(revision)) throw new DeploymentSpecError('Revision is missing')
  if (revision.RevisionType !== 'S3') throw new DeploymentSpecError(`revision type ${String(revision.RevisionType)} is not supported by this agent (only S3)`)
  const s3 = revision.S3Revision
  if (!isObject(s3)) throw new DeploymentSpecError('Revision.S3Revision is missing')
  const bundleType = str(s3, 'BundleType', false, 'tar')
  if (!['zip', 'tar', 'tgz'].includes(bundleType)) throw new DeploymentSpecError(`bundle type ${bundleType} is not supported (zip, tar, tgz)`)
  const overrides = isObject(doc.AgentActionOverrides) && isObject(doc.AgentActionOverrides.AgentOverrides) ? doc.AgentActionOverrides.AgentOverrides : {}
  const feb = optional(overrides, 'FileExistsBehavior') ?? 'DISALLOW'
  if (feb !== 'DISALLOW' && feb !== 'OVERWRITE' && feb !== 'RETAIN') throw new DeploymentSpecError(`FileExistsBehavior ${feb} is not one of DISALLOW, OVERWRITE, RETAIN`)
  const events = Array.isArray(doc.AllPossibleLifecycleEvents) ? doc.AllPossibleLifecycleEvents.filter((e): e is string => typeof e === 'string') : undefined
  const version = optional(s3, 'Version')
  const etag = optional(s3, 'ETag')
  return {
    deploymentId,
    deploymentGroupId,
    deploymentGroupName: str(doc, 'DeploymentGroupName', true),
    applicationName: str(doc, 'ApplicationName', true),
    deploymentCreator: str(doc, 'DeploymentCreator', false, 'user'),
    deploymentType: str(doc, 'DeploymentType', false, 'IN_PLACE'),
    appSpecFilename: str(doc, 'AppSpecFilename', false, 'appspec.yml'),
    revision: { bucket: str(s3, 'Bucket', true), key: str(s3, 'Key', true), bundleType, ...(version ? { version } : {}), ...(etag ? { etag } : {}) },
    fileExistsBehavior: feb,
    ...(events ? { allPossibleLifecycleEvents: events } : {}),
  }
}

/** Decodes a `GetDeploymentSpecification` answer. */
export async function decodeDeploymentSpecification(output: unknown): Promise<DeploymentSpec> {
  if (!isObject(output)) throw new DeploymentSpecError('empty answer')
  if (output.DeploymentSystem !== 'CodeDeploy') throw new DeploymentSpecError(`deployment system ${String(output.DeploymentSystem)} is not CodeDeploy`)
  const envelope = isObject(output.DeploymentSpecification) ? output.DeploymentSpecification.GenericEnvelope : undefined
  if (!isObject(envelope) || typeof envelope.Payload !== 'string') throw new DeploymentSpecError('GenericEnvelope is missing')
  if (envelope.Format === 'TEXT/JSON') return parseDeploymentSpec(envelope.Payload)
  if (envelope.Format === 'PKCS7/JSON') {
    let content: string
    try {
      content = openPkcs7(envelope.Payload)
    } catch (err) {
      throw new DeploymentSpecError(`unreadable PKCS7/JSON envelope: ${(err as Error).message}`)
    }
    return parseDeploymentSpec(content)
  }
  throw new DeploymentSpecError(`envelope format ${String(envelope.Format)} is not supported`)
}
