/**
 * The artifacts context's composition: the object store (the embedded folder store under
 * `<dataDir>/buckets`, or the one configuration gives), raising an outbox event for every object
 * created, served over the S3 REST transport on the shared Fastify app. Returns the store so other
 * contexts (pipelines, builds, deployments) use the same instance.
 */
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Clock } from '../infra/clock.ts'
import type { KeyLookup } from '../protocol/sigv4/verify-request.ts'
import { registerS3, type S3Deps } from '../protocol/s3/s3-router.ts'
import type { EventOutbox } from '../events/outbox.ts'
import { FolderObjectStore } from './adapters/folder-object-store.ts'
import { withObjectEvents } from './object-events.ts'
import type { ObjectStore } from './ports.ts'

export type ArtifactsDeps = {
  dataDir: string
  clock: Clock
  /** Access-key lookup for SigV4 verification. */
  lookup: KeyLookup
  maxSkewSeconds: number
  /** The object store to serve; the folder store under `<dataDir>/buckets` when absent. */
  objects?: ObjectStore
  outbox: EventOutbox
  flush: () => Promise<void>
  /** The audit hook for S3 writes and refused credentials. */
  audit?: S3Deps['audit']
  /** The region served: S3 requests signed for another are refused. */
  region?: string
}

export function registerArtifacts(app: FastifyInstance, deps: ArtifactsDeps): { objects: ObjectStore } {
  const inner = deps.objects ?? new FolderObjectStore(path.join(deps.dataDir, 'buckets'), { clock: deps.clock })
  const objects = withObjectEvents(inner, { outbox: deps.outbox, clock: deps.clock, flush: deps.flush })
  registerS3(app, { objects, lookup: deps.lookup, clock: deps.clock, maxSkewSeconds: deps.maxSkewSeconds, ...(deps.audit ? { audit: deps.audit } : {}), ...(deps.region ? { region: deps.region } : {}) })
  return { objects }
}
