import path from 'node:path'
import { ConfigError } from './config-error.ts'
import { buildStorageConfig, type StorageConfig, type StorageInput } from './storage-config.ts'
import { archiveLimitsFrom, yamlLimitsFrom } from '../shared/input-limits.ts'

/** The one configuration object of a Slipway process: validated at start, frozen, passed down. */
export type SlipwayConfig = Readonly<{
  host: string
  port: number
  /** Absolute path of the data directory (SQLite file, git repos, buckets, master key). */
  dataDir: string
  /** Region reported in ARNs and written to the generated AWS CLI config. */
  region: string
  /** 12-digit account id used in ARNs. */
  accountId: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Allowed clock skew for signed requests, seconds. */
  maxSkewSeconds: number
  /** Where builds run: `docker` (one container per build), `host` (a local shell), `auto` (docker if it answers). */
  executor: 'docker' | 'host' | 'auto'
  /** How long a build runner's claim lasts without renewal, ms: a dead runner's builds fail after this. */
  buildLeaseMs: number
  /** How long a deploy agent may stay silent during a lifecycle event before the event fails, ms. */
  agentLeaseMs: number
  /** Multipart uploads older than this are aborted and their parts removed (S3's AbortIncompleteMultipartUpload). */
  incompleteUploadMaxAgeMs: number
  /** Whether this server runs builds itself (`slipway up` always; `slipway server` with `--runner`). */
  runner: boolean
  /** How the port is served: plain HTTP, TLS with given files, or TLS with the data dir's private CA. */
  tls: TlsConfig
}> & Readonly<StorageConfig>

export type TlsConfig = Readonly<{ kind: 'off' } | { kind: 'files'; certFile: string; keyFile: string } | { kind: 'private-ca' }>

export type ConfigInput = Partial<{ host: string; port: string | number; dataDir: string; region: string; logLevel: string; executor: string; runner: boolean; tls: boolean; tlsCert: string; tlsKey: string }> & StorageInput

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export { ConfigError }

/** Builds the config from flags (already parsed) and environment, with defaults; throws ConfigError. */
export function buildConfig(input: ConfigInput, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SlipwayConfig {
  const port = Number(input.port ?? env.SLIPWAY_PORT ?? 4566)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be an integer 0-65535, got ${String(input.port)}`)
  const host = String(input.host ?? env.SLIPWAY_HOST ?? '127.0.0.1')
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(host)) throw new ConfigError(`--host is not a host name or address: ${host}`)
  const region = String(input.region ?? env.SLIPWAY_REGION ?? 'us-east-1')
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`region must look like us-east-1, got ${region}`)
  const logLevel = String(input.logLevel ?? env.SLIPWAY_LOG_LEVEL ?? 'info')
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}`)
  const executor = String(input.executor ?? env.SLIPWAY_EXECUTOR ?? 'auto')
  if (executor !== 'docker' && executor !== 'host' && executor !== 'auto') throw new ConfigError(`--executor must be docker, host or auto, got ${executor}`)
  try {
    archiveLimitsFrom(env)
    yamlLimitsFrom(env)
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  const leaseMs = Number(env.SLIPWAY_BUILD_LEASE_MS ?? 15_000)
  if (!Number.isInteger(leaseMs) || leaseMs < 1000) throw new ConfigError(`SLIPWAY_BUILD_LEASE_MS must be an integer >= 1000, got ${env.SLIPWAY_BUILD_LEASE_MS}`)
  const uploadHours = Number(env.SLIPWAY_INCOMPLETE_UPLOAD_HOURS ?? 168)
  if (!Number.isFinite(uploadHours) || uploadHours <= 0) throw new ConfigError(`SLIPWAY_INCOMPLETE_UPLOAD_HOURS must be a positive number of hours, got ${env.SLIPWAY_INCOMPLETE_UPLOAD_HOURS}`)
  const dataDir = path.resolve(cwd, String(input.dataDir ?? env.SLIPWAY_DATA_DIR ?? '.slipway'))
  const storage = buildStorageConfig(input, env, dataDir, cwd, region)
  return Object.freeze({
    ...storage,
    host,
    port,
    dataDir,
    region,
    accountId: '000000000000',
    logLevel: logLevel as SlipwayConfig['logLevel'],
    maxSkewSeconds: 900,
    executor,
    buildLeaseMs: leaseMs,
    agentLeaseMs: Number(env.SLIPWAY_AGENT_LEASE_MS ?? 10_000),
    incompleteUploadMaxAgeMs: Math.round(uploadHours * 3_600_000),
    runner: input.runner ?? true,
    tls: buildTlsConfig(input, env, host, cwd),
  })
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)

/**
 * TLS on the server's port: with `--tls-cert/--tls-key` those files; with `--tls` (or on any
 * address but loopback, unless `--no-tls`) the data dir's private CA; plain HTTP on loopback.
 */
function buildTlsConfig(input: ConfigInput, env: NodeJS.ProcessEnv, host: string, cwd: string): TlsConfig {
  const certFile = input.tlsCert ?? env.SLIPWAY_TLS_CERT
  const keyFile = input.tlsKey ?? env.SLIPWAY_TLS_KEY
  const flag = input.tls ?? (env.SLIPWAY_TLS === undefined || env.SLIPWAY_TLS === '' ? undefined : !['0', 'off', 'false', 'no'].includes(env.SLIPWAY_TLS.toLowerCase()))
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('--tls-cert and --tls-key go together (a PEM certificate chain and its private key)')
  if (certFile !== undefined && keyFile !== undefined) {
    if (flag === false) throw new ConfigError('--no-tls contradicts --tls-cert/--tls-key')
    return { kind: 'files', certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile) }
  }
  const on = flag ?? !isLoopback(host)
  return on ? { kind: 'private-ca' } : { kind: 'off' }
}
