import { spawn } from 'node:child_process'
import { commandServerAccess } from './server-access.ts'
import type { CommandArgs } from '../main.ts'

/**
 * `slipway console [--data-dir DIR] [--endpoint-url URL] [--no-open]`: asks the running server (with
 * this data dir's access key, or AWS_ACCESS_KEY_ID/SECRET) for a one-time login link to its console —
 * any server of a scale-out deployment redeems it — prints it, and opens a browser when there is one.
 */
export async function consoleCommand({ values }: CommandArgs): Promise<number> {
  const server = commandServerAccess(values)
  if (!server) return 1
  const res = await fetch(`${server.url}/console/login-links`, { method: 'POST', headers: { authorization: server.authorization } })
  if (!res.ok) {
    process.stderr.write(`slipway: ${res.status} ${await res.text()}\n`)
    return 1
  }
  const login = `${server.url}${((await res.json()) as { path: string }).path}`
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
