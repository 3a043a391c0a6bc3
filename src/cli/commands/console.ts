import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { serverInfoFile } from '../../server/server.ts'
import { localCredentials } from './logs.ts'
import type { CommandArgs } from '../main.ts'

/**
 * `slipway console [--data-dir DIR] [--endpoint-url URL] [--no-open]`: asks the running server (with
 * this data dir's access key, or AWS_ACCESS_KEY_ID/SECRET) for a one-time login link to its console —
 * any server of a scale-out deployment redeems it — prints it, and opens a browser when there is one.
 */
export async function consoleCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  let url = values['endpoint-url'] as string | undefined
  if (!url) {
    try {
      url = (JSON.parse(fs.readFileSync(serverInfoFile(config.dataDir), 'utf8')) as { url: string }).url
    } catch {
      process.stderr.write(`slipway: no running server found for ${config.dataDir}; start it with 'slipway up --data-dir ${config.dataDir}' or pass --endpoint-url\n`)
      return 1
    }
  }
  const creds = localCredentials(config.dataDir)
  if (!creds) {
    process.stderr.write('slipway: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --data-dir)\n')
    return 1
  }
  const res = await fetch(`${url}/console/login-links`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${creds.accessKeyId}:${creds.secretAccessKey}`).toString('base64')}` } })
  if (!res.ok) {
    process.stderr.write(`slipway: ${res.status} ${await res.text()}\n`)
    return 1
  }
  const login = `${url}${((await res.json()) as { path: string }).path}`
  process.stdout.write(`${login}\n(one-time link, valid for 10 minutes)\n`)
  if (!values['no-open']) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
    try {
      const child = spawn(opener, [login], { stdio: 'ignore', detached: true })
      child.on('error', () => {})
      child.unref()
    } catch {
      // No browser here: the printed URL is enough.
    }
  }
  return 0
}
