/**
 * The artifacts context's composition: the embedded folder object store under `<dataDir>/buckets`,
 * served over the S3 REST transport on the shared Fastify app. Returns the store so other contexts
 * (pipelines, builds, deployments) use the same instance — and its `onObjectCreated` hook.
 */
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Clock } from '../infra/clock.ts'
import type { KeyLookup } from '../protocol/sigv4/verify-request.ts'
import { registerS3 } from '../protocol/s3/s3-router.ts'
import { FolderObjectStore } from './adapters/folder-object-store.ts'
import type { ObjectStore } from './ports.ts'

export type ArtifactsDeps = {
  dataDir: string
  clock: Clock
  /** Access-key lookup for SigV4 verification. */
  lookup: KeyLookup
  maxSkewSeconds: number
}

export function registerArtifacts(app: FastifyInstance, deps: ArtifactsDeps): { objects: ObjectStore } {
  const objects = new FolderObjectStore(path.join(deps.dataDir, 'buckets'), {
    clock: deps.clock,
    onListenerError: (err) => app.log.error({ err }, 'object-created listener failed'),
  })
  registerS3(app, { objects, lookup: deps.lookup, clock: deps.clock, maxSkewSeconds: deps.maxSkewSeconds })
  return { objects }
}
