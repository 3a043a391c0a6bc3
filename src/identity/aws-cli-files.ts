import fs from 'node:fs'
import path from 'node:path'
import type { KeyPair } from './key-service.ts'

export type AwsCliFiles = { credentialsFile: string; configFile: string }

export function awsCliFilesIn(dataDir: string): AwsCliFiles {
  return { credentialsFile: path.join(dataDir, 'aws', 'credentials'), configFile: path.join(dataDir, 'aws', 'config') }
}

/**
 * Writes the AWS CLI's shared credentials and config files (profile `default`) for a key and an
 * endpoint, so that `aws <service> …` works with only AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE set.
 * Written atomically (temp file + rename), mode 0600.
 */
export function writeAwsCliFiles(dataDir: string, key: KeyPair, endpointUrl: string, region: string, caBundle?: string): AwsCliFiles {
  const files = awsCliFilesIn(dataDir)
  fs.mkdirSync(path.dirname(files.credentialsFile), { recursive: true, mode: 0o700 })
  const credentials = `[default]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`
  const config = [
    '[default]',
    `region = ${region}`,
    'output = json',
    `endpoint_url = ${endpointUrl}`,
    ...(caBundle ? [`ca_bundle = ${caBundle}`] : []),
    's3 =',
    '    addressing_style = path',
    '    signature_version = s3v4',
    '',
  ].join('\n')
  for (const [file, text] of [[files.credentialsFile, credentials], [files.configFile, config]] as const) {
    const tmp = `${file}.${process.pid}.tmp`
    fs.writeFileSync(tmp, text, { mode: 0o600 })
    fs.renameSync(tmp, file)
  }
  return files
}

/** The `export` lines `slipway env` prints. */
export function envExports(files: AwsCliFiles, endpointUrl: string | undefined, region: string, caBundle?: string): string {
  const lines = [
    `export AWS_SHARED_CREDENTIALS_FILE=${shellQuote(files.credentialsFile)}`,
    `export AWS_CONFIG_FILE=${shellQuote(files.configFile)}`,
    `export AWS_DEFAULT_REGION=${region}`,
  ]
  if (endpointUrl) lines.push(`export AWS_ENDPOINT_URL=${shellQuote(endpointUrl)}`)
  if (caBundle) lines.push(`export AWS_CA_BUNDLE=${shellQuote(caBundle)}`)
  return lines.join('\n') + '\n'
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`
}
