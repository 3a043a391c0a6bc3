import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { serverInfoFile } from '../../server/server.ts'
import { createLoginToken } from '../../web/sessions.ts'
import { openConfiguredStore } from '../../server/storage.ts'
import type { CommandArgs } from '../main.ts'

/** `slipway console [--data-dir DIR] [--no-open]`: a one-time login URL for the running server's console. */
export async function consoleCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  let url: string
  try {
    url = (JSON.parse(fs.readFileSync(serverInfoFile(config.dataDir), 'utf8')) as { url: string }).url
  } catch {
    process.stderr.write(`slipway: no running server found for ${config.dataDir}; start it with 'slipway up --data-dir ${config.dataDir}'\n`)
    return 1
  }
  const { store } = await openConfiguredStore(config)
  let token: string
  try {
    token = await createLoginToken(store.consoleSessions)
  } finally {
    await store.close()
  }
  const login = `${url}/console/login?token=${token}`
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
