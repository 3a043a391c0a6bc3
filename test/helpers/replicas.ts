import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from './server.ts'
import { startTestPostgres } from './postgres.ts'
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from './s3rver.ts'

/** What several `slipway server` processes share: one database, one object store, one repositories volume, one master key. */
export type SharedStorage = {
  databaseUrl: string
  s3: RunningS3rver
  repositoriesDir: string
  masterKeyFile: string
  stop(): Promise<void>
}

export type SharedOrSkip = { shared: SharedStorage; skip?: undefined } | { shared?: undefined; skip: string }

/** A fresh PostgreSQL database, an s3rver, a repositories folder and a master key file; `skip` when PostgreSQL cannot run here. */
export async function startSharedStorage(): Promise<SharedOrSkip> {
  const postgres = await startTestPostgres()
  if (postgres.skip !== undefined) return { skip: postgres.skip }
  const databaseUrl = await postgres.server.createDatabase()
  const s3 = await startS3rver()
  const dir = tempDir('shared')
  const repositoriesDir = path.join(dir, 'repositories')
  const masterKeyFile = path.join(dir, 'master.key')
  fs.writeFileSync(masterKeyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 })
  return {
    shared: {
      databaseUrl,
      s3,
      repositoriesDir,
      masterKeyFile,
      async stop() {
        await s3.stop()
        await postgres.server.stop()
        fs.rmSync(dir, { recursive: true, force: true })
      },
    },
  }
}

/** The flags and environment of a `slipway server` on `shared`. */
export function replicaOptions(shared: SharedStorage, options: { runner?: boolean; dataDir?: string; env?: Record<string, string> } = {}) {
  return {
    command: 'server' as const,
    dataDir: options.dataDir ?? tempDir('replica'),
    extraArgs: [
      '--database-url', shared.databaseUrl,
      '--object-store', 's3', '--s3-endpoint', shared.s3.endpoint, '--s3-path-style', '--s3-bucket-prefix', 'slipway-',
      '--repositories-dir', shared.repositoriesDir,
      '--master-key-file', shared.masterKeyFile,
      '--executor', 'host',
      ...(options.runner ? ['--runner'] : []),
    ],
    env: { SLIPWAY_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, SLIPWAY_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, ...options.env },
  }
}

/** Starts one `slipway server` replica on `shared` (a new data dir of its own unless given). */
export function startReplica(shared: SharedStorage, options: { runner?: boolean; dataDir?: string; env?: Record<string, string> } = {}): Promise<TestServer> {
  return startTestServer(replicaOptions(shared, options))
}
