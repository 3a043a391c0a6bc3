import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

/** A PostgreSQL server for tests: each `createDatabase()` is a fresh, empty database on it. */
export type TestPostgres = {
  /** A new empty database; resolves with its connection URL. */
  createDatabase(): Promise<string>
  stop(): Promise<void>
}

export type PostgresOrSkip = { server: TestPostgres; skip?: undefined } | { server?: undefined; skip: string }

function serverBinaries(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!fs.existsSync(root)) return undefined
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a))
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

function adminServer(adminUrl: string, stop: () => Promise<void>): TestPostgres {
  return {
    async createDatabase() {
      const name = `slipway_test_${randomBytes(6).toString('hex')}`
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${name}`)
      } finally {
        await client.end()
      }
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return url.toString()
    },
    stop,
  }
}

async function waitForServer(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${output()}`)
    const client = new pg.Client({ connectionString: url })
    try {
      await client.connect()
      await client.end()
      return
    } catch {
      await client.end().catch(() => undefined)
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections in 60 s:\n${output()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/**
 * A PostgreSQL for the tests of this process. With `SLIPWAY_TEST_POSTGRES_URL` (an admin URL, as CI may
 * give) that server is used; otherwise a private server is started from Debian's binaries in a temp
 * dir (as the `postgres` user when running as root), with an ICU collation that sorts case-insensitively,
 * so a query that forgets byte-wise ordering shows up. Resolves with `skip` (a reason to print) when
 * neither is possible.
 */
export async function startTestPostgres(): Promise<PostgresOrSkip> {
  const started = await startOrSkip()
  // CI runs every PostgreSQL test: there a reason to skip is a failure.
  if (started.skip !== undefined && process.env.SLIPWAY_TEST_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required here (SLIPWAY_TEST_REQUIRE_POSTGRES=1): ${started.skip}`)
  return started
}

async function startOrSkip(): Promise<PostgresOrSkip> {
  const given = process.env.SLIPWAY_TEST_POSTGRES_URL
  if (given) return { server: adminServer(given, async () => undefined) }
  const bin = serverBinaries()
  if (!bin) return { skip: 'no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql), and SLIPWAY_TEST_POSTGRES_URL is not set' }
  const asRoot = process.getuid?.() === 0
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) return { skip: 'running as root and there is no postgres user to run the server as' }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-pg-'))
  const run = (cmd: string, args: string[]) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir])
  const dataDir = path.join(dir, 'data')
  const [initCmd, initArgs] = run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=en-US'])
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' })
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true })
    return { skip: `initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim().split('\n').slice(-3).join(' ')}` }
  }
  const port = await freePort()
  const [cmd, args] = run(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  // `runuser` does not pass signals on: stop the postmaster itself (fast shutdown), by its pid file.
  const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const kill = () => {
    if (child.exitCode !== null) return
    try {
      process.kill(postmasterPid(), 'SIGINT')
    } catch {
      child.kill('SIGKILL')
    }
  }
  process.once('exit', kill)
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  try {
    await waitForServer(adminUrl, child, () => out)
  } catch (err) {
    kill()
    return { skip: `the private PostgreSQL server did not start: ${(err as Error).message.slice(0, 500)}` }
  }
  return {
    server: adminServer(adminUrl, async () => {
      process.off('exit', kill)
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve())
          kill()
        })
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }),
  }
}
