import fs from 'node:fs'
import path from 'node:path'
import { fromEnv } from '@aws-sdk/credential-provider-env'
import { fromIni } from '@aws-sdk/credential-provider-ini'
import { serverInfoFile } from '../../server/server.ts'
import { buildConfig } from '../../config/config.ts'
import { trustCaBundleFile } from '../../infra/tls/trust.ts'

export type Credentials = { accessKeyId: string; secretAccessKey: string }

/** Credentials for talking to a server: env AWS_ACCESS_KEY_ID/SECRET, else the data dir's files. */
export function localCredentials(dataDir: string): Credentials | undefined {
  if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) return { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }
  try {
    const text = fs.readFileSync(path.join(dataDir, 'aws', 'credentials'), 'utf8')
    const id = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1]
    const secret = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1]
    return id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined
  } catch {
    return undefined
  }
}

/**
 * The standard AWS credential chain, for commands that run on other machines (`slipway runner`,
 * `slipway agent`): AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; else the shared credentials file's
 * profile when AWS_PROFILE or AWS_SHARED_CREDENTIALS_FILE names one; else the data dir's key (a
 * server on this machine); else `~/.aws/credentials`'s default profile. Profiles are read as the AWS
 * SDK reads them (a profile may name a `credential_process`); only the access key id ever reaches the
 * server, in signatures.
 */
export async function credentialChain(dataDir: string): Promise<Credentials | undefined> {
  const env = await fromEnv()().catch(() => undefined)
  if (env) return { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey }
  const ini = () => fromIni({ ignoreCache: true })().then((c) => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }))
  if (process.env.AWS_PROFILE || process.env.AWS_SHARED_CREDENTIALS_FILE) {
    return ini().catch((err: unknown) => {
      throw new Error(`no credentials in profile ${process.env.AWS_PROFILE ?? 'default'}: ${(err as Error).message}`)
    })
  }
  return localCredentials(dataDir) ?? (await ini().catch(() => undefined))
}

/** The CA bundle this process was told to trust (`--ca-bundle`, AWS_CA_BUNDLE, or the data dir's server's CA), as PEM. */
export function trustedCaBundle(flag: string | undefined, dataDir: string): string | undefined {
  let file = flag ?? process.env.AWS_CA_BUNDLE
  if (!file) {
    try {
      file = (JSON.parse(fs.readFileSync(serverInfoFile(dataDir), 'utf8')) as { caFile?: string }).caFile
    } catch {
      file = undefined
    }
  }
  return file ? fs.readFileSync(file, 'utf8') : undefined
}

/**
 * The URL the server running on `dataDir` listens on (its `server.json`), if one runs; a server
 * under its private CA has this process trust that CA.
 */
export function runningServerUrl(dataDir: string): string | undefined {
  let info: { url: string; caFile?: string }
  try {
    info = JSON.parse(fs.readFileSync(serverInfoFile(dataDir), 'utf8')) as { url: string; caFile?: string }
  } catch {
    return undefined
  }
  if (info.caFile) trustCaBundleFile(info.caFile)
  return info.url
}

/**
 * Where and as whom a command reaches a server: `--endpoint-url` or the data dir's running server,
 * with the environment's or the data dir's key. A message for the user when either is missing.
 */
export function serverAccess(dataDir: string, endpointUrl: string | undefined): { url: string; authorization: string } | { problem: string } {
  const url = endpointUrl ?? runningServerUrl(dataDir)
  if (!url) return { problem: `no running server found for ${dataDir}; pass --endpoint-url` }
  const creds = localCredentials(dataDir)
  if (!creds) return { problem: 'no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --data-dir)' }
  return { url, authorization: `Basic ${Buffer.from(`${creds.accessKeyId}:${creds.secretAccessKey}`).toString('base64')}` }
}

/** `serverAccess` for a command's `--data-dir` / `--endpoint-url`; says the problem on stderr when there is one. */
export function commandServerAccess(values: Record<string, unknown>): { url: string; authorization: string } | undefined {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const access = serverAccess(config.dataDir, values['endpoint-url'] as string | undefined)
  if (!('problem' in access)) return access
  process.stderr.write(`slipway: ${access.problem}\n`)
  return undefined
}
