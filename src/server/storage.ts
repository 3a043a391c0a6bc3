import fs from 'node:fs'
import path from 'node:path'
import type { SlipwayConfig } from '../config/config.ts'
import { ConfigError } from '../config/config-error.ts'
import type { Clock } from '../infra/clock.ts'
import { SecretBox } from '../infra/crypto/secret-box.ts'
import { openPostgresStore, openSqliteStore } from '../infra/sql-store/sql-store.ts'
import type { Store } from '../infra/store.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import { FolderObjectStore } from '../artifacts/adapters/folder-object-store.ts'
import type { LogStore } from '../build/logs/log-store.ts'
import { FileLogStore } from '../build/logs/file-log-store.ts'
import { DatabaseLogStore } from '../build/logs/database-log-store.ts'

/** The configured store and the master key's box (what the `slipway keys|secrets|…` commands need too). */
export async function openConfiguredStore(config: SlipwayConfig, onError: (err: unknown, context: string) => void = () => undefined): Promise<{ store: Store; box: SecretBox }> {
  if (config.database.kind === 'postgres' && !config.masterKey) {
    throw new ConfigError('with --database-url every server needs the same master key: give --master-key-file FILE or SLIPWAY_MASTER_KEY (openssl rand -base64 32)')
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const store = config.database.kind === 'postgres' ? await openShared(config.database.url, onError) : await openSqliteStore(config.dataDir)
  const box = config.masterKey ? new SecretBox(config.masterKey) : SecretBox.openInDataDir(config.dataDir)
  return { store, box }
}

/** PostgreSQL, or a one-line reason it cannot be used (never the password). */
async function openShared(url: string, onError: (err: unknown, context: string) => void): Promise<Store> {
  try {
    return await openPostgresStore({ url, onError })
  } catch (err) {
    throw new ConfigError(`--database-url: cannot open the database at ${new URL(url).host}: ${(err as Error).message}`)
  }
}

export type Storage = { store: Store; box: SecretBox; objects: ObjectStore; logs: LogStore; close(): Promise<void> }

/**
 * What a server keeps its state in, as configured: SQLite, folders and log files in the data dir
 * (embedded), or PostgreSQL, an S3-compatible store and logs in the database (scale-out, where every
 * replica must be given the same master key).
 */
export async function openStorage(config: SlipwayConfig, clock: Clock, onError: (err: unknown, context: string) => void): Promise<Storage> {
  const shared = config.database.kind === 'postgres'
  const { store, box } = await openConfiguredStore(config, onError)
  const o = config.objectStore
  // The AWS SDK loads only for an S3 store: commands on an embedded data dir start faster without it.
  const s3 = o.kind === 's3' ? new (await import('../artifacts/adapters/s3-object-store.ts')).S3ObjectStore({ ...o, clock }) : undefined
  const objects = s3 ?? new FolderObjectStore(path.join(config.dataDir, 'buckets'), { clock })
  const logs = shared ? new DatabaseLogStore(store, (err) => onError(err, 'writing a build log')) : new FileLogStore(config.dataDir, store.signals)
  return {
    store,
    box,
    objects,
    logs,
    async close() {
      s3?.destroy()
      await store.close()
    },
  }
}
