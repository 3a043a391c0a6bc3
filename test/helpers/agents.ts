import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ROOT, tempDir, type TestServer } from './server.ts'
import { aws } from './aws-cli.ts'

export type TestAgent = { name: string; root: string; srv: string; process: ChildProcess; output(): string; kill(): void }

/**
 * Starts `slipway agent` as its own "host": a private mount namespace where `/srv` is this host's own
 * folder (so three agents on one machine do not share their install destinations). The test reads the
 * host's `/srv` at `agent.srv`. Runs the agent's entry point directly on this Node (no launcher), so a
 * SIGKILL really kills the agent.
 */
export function startAgent(server: TestServer, name: string, tags: string): TestAgent {
  const base = tempDir(`agent-${name}`)
  const root = path.join(base, 'deployment-root')
  const srv = path.join(base, 'srv')
  fs.mkdirSync(srv, { recursive: true })
  fs.writeFileSync(path.join(srv, 'hostname'), `${name}\n`)
  const args = ['--mount', '--propagation', 'private', 'sh', '-c', 'mkdir -p /srv && mount --bind "$0" /srv && exec "$@"', srv,
    process.execPath, path.join(ROOT, 'src', 'cli', 'main.ts'), 'agent', '--server', server.url, '--data-dir', server.dataDir, '--name', name, '--tags', tags, '--root', root, '--heartbeat-seconds', '1']
  const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return { name, root, srv, process: child, output: () => out, kill: () => child.kill('SIGKILL') }
}

export async function waitForInstances(server: TestServer, names: string[]): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const listed = (await aws(server, ['deploy', 'list-on-premises-instances', '--registration-status', 'Registered'])).json?.instanceNames ?? []
    if (names.every((n) => listed.includes(n))) return
    await sleep(100)
  }
  throw new Error(`agents ${names.join(', ')} did not register`)
}

export async function stopAgents(agents: TestAgent[]): Promise<void> {
  await Promise.all(agents.map((a) => new Promise<void>((resolve) => {
    if (a.process.exitCode !== null || a.process.signalCode !== null) return resolve()
    a.process.once('exit', () => resolve())
    a.process.kill('SIGTERM')
    setTimeout(() => a.process.kill('SIGKILL'), 3000)
  })))
}
