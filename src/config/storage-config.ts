import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from './config-error.ts'

/** Where state lives: the embedded SQLite file, or a PostgreSQL server shared by every replica. */
export type DatabaseConfig = { kind: 'sqlite' } | { kind: 'postgres'; url: string }

/** Where objects (artifacts, bundles, archived logs) live: folders in the data dir, or any S3-compatible service. */
export type ObjectStoreConfig =
  | { kind: 'folder' }
  | { kind: 's3'; endpoint?: string; region: string; bucketPrefix: string; forcePathStyle: boolean; credentials?: { accessKeyId: string; secretAccessKey: string } }

export type StorageConfig = {
  database: DatabaseConfig
  objectStore: ObjectStoreConfig
  /** Bare git repositories: `<dataDir>/git`, or a volume every replica mounts (NFS, EFS, CephFS). */
  repositoriesDir: string
  /** The 32-byte key that seals secrets: from configuration (every replica the same), or `<dataDir>/master.key`. */
  masterKey?: Buffer
}

export type StorageInput = Partial<{
  databaseUrl: string
  objectStore: string
  s3Endpoint: string
  s3Region: string
  s3BucketPrefix: string
  s3PathStyle: boolean
  repositoriesDir: string
  masterKeyFile: string
}>

const BUCKET_PREFIX = /^([a-z0-9][a-z0-9.-]{0,40})?$/

function masterKeyFrom(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) throw new ConfigError(`${where} must hold a 32-byte key in base64 (openssl rand -base64 32), got ${key.length} bytes`)
  return key
}

/** The storage part of the configuration, from flags and environment (flags win). */
export function buildStorageConfig(input: StorageInput, env: NodeJS.ProcessEnv, dataDir: string, cwd: string, region: string): StorageConfig {
  const url = input.databaseUrl ?? env.SLIPWAY_DATABASE_URL
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('--database-url must be a postgres:// URL (leave it out for the embedded SQLite database)')
  const database: DatabaseConfig = url ? { kind: 'postgres', url } : { kind: 'sqlite' }

  const kind = input.objectStore ?? env.SLIPWAY_OBJECT_STORE ?? 'folder'
  if (kind !== 'folder' && kind !== 's3') throw new ConfigError(`--object-store must be folder or s3, got ${kind}`)
  let objectStore: ObjectStoreConfig = { kind: 'folder' }
  if (kind === 's3') {
    const bucketPrefix = input.s3BucketPrefix ?? env.SLIPWAY_S3_BUCKET_PREFIX ?? 'slipway-'
    if (!BUCKET_PREFIX.test(bucketPrefix)) throw new ConfigError(`--s3-bucket-prefix must be lower-case letters, digits, dots and hyphens (up to 41), got ${bucketPrefix}`)
    const endpoint = input.s3Endpoint ?? env.SLIPWAY_S3_ENDPOINT
    if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) throw new ConfigError(`--s3-endpoint must be an http(s) URL, got ${endpoint}`)
    const id = env.SLIPWAY_S3_ACCESS_KEY_ID
    const secret = env.SLIPWAY_S3_SECRET_ACCESS_KEY
    if ((id === undefined) !== (secret === undefined)) throw new ConfigError('SLIPWAY_S3_ACCESS_KEY_ID and SLIPWAY_S3_SECRET_ACCESS_KEY go together')
    objectStore = {
      kind: 's3',
      ...(endpoint !== undefined ? { endpoint } : {}),
      region: input.s3Region ?? env.SLIPWAY_S3_REGION ?? region,
      bucketPrefix,
      forcePathStyle: input.s3PathStyle ?? ['1', 'true', 'yes'].includes(env.SLIPWAY_S3_PATH_STYLE ?? ''),
      ...(id !== undefined && secret !== undefined ? { credentials: { accessKeyId: id, secretAccessKey: secret } } : {}),
    }
  }

  const repositoriesDir = path.resolve(cwd, input.repositoriesDir ?? env.SLIPWAY_REPOSITORIES_DIR ?? path.join(dataDir, 'git'))

  let masterKey: Buffer | undefined
  const keyFile = input.masterKeyFile ?? env.SLIPWAY_MASTER_KEY_FILE
  if (keyFile !== undefined) {
    let text: string
    try {
      text = fs.readFileSync(path.resolve(cwd, keyFile), 'utf8')
    } catch (err) {
      throw new ConfigError(`--master-key-file ${keyFile}: ${(err as Error).message}`)
    }
    masterKey = masterKeyFrom(text, `--master-key-file ${keyFile}`)
  } else if (env.SLIPWAY_MASTER_KEY !== undefined) {
    masterKey = masterKeyFrom(env.SLIPWAY_MASTER_KEY, 'SLIPWAY_MASTER_KEY')
  }
  return { database, objectStore, repositoriesDir, ...(masterKey ? { masterKey } : {}) }
}
