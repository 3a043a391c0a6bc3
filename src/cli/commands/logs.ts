import fs from 'node:fs'
import path from 'node:path'
import { buildConfig } from '../../config/config.ts'
import { serverInfoFile } from '../../server/server.ts'
import type { CommandArgs } from '../main.ts'

/** Credentials for talking to a server: env AWS_ACCESS_KEY_ID/SECRET, else the data dir's files. */
export function localCredentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } | undefined {
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

/** `slipway logs <build-id> [--follow]`: prints a build's log, following it while it runs. */
export async function logsCommand({ positionals, values }: CommandArgs): Promise<number> {
  const [id] = positionals
  if (!id) {
    process.stderr.write('slipway: usage: slipway logs <build-id> [--follow] [--data-dir DIR] [--endpoint-url URL]\n')
    return 2
  }
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  let url = values['endpoint-url'] as string | undefined
  if (!url) {
    try {
      url = (JSON.parse(fs.readFileSync(serverInfoFile(config.dataDir), 'utf8')) as { url: string }).url
    } catch {
      process.stderr.write(`slipway: no running server found for ${config.dataDir}; pass --endpoint-url\n`)
      return 1
    }
  }
  const creds = localCredentials(config.dataDir)
  if (!creds) {
    process.stderr.write('slipway: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --data-dir)\n')
    return 1
  }
  const res = await fetch(`${url}/slipway/builds/${encodeURIComponent(id)}/log${values.follow ? '?follow=true' : ''}`, {
    headers: { authorization: `Basic ${Buffer.from(`${creds.accessKeyId}:${creds.secretAccessKey}`).toString('base64')}` },
  })
  if (!res.ok || !res.body) {
    process.stderr.write(`slipway: ${res.status} ${await res.text()}`)
    return 1
  }
  for await (const chunk of res.body) process.stdout.write(chunk)
  return 0
}
