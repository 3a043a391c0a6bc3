import fs from 'node:fs'
import path from 'node:path'
import { run, type RunResult } from './run.ts'

const IDENTITY = ['-c', 'user.name=Test Dev', '-c', 'user.email=dev@example.com', '-c', 'init.defaultBranch=main', '-c', 'protocol.version=2']

/** Runs the real git binary with a neutral config (no user/global config, no prompts). */
export function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run('git', [...IDENTITY, ...args], {
    cwd,
    env: { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', ...env },
  })
}

export async function gitOk(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await git(cwd, args, env)
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return r.stdout
}

/** A work tree with `files` committed on `main`. */
export async function makeWorkTree(dir: string, files: Record<string, string>, message = 'initial commit'): Promise<string> {
  fs.mkdirSync(dir, { recursive: true })
  await gitOk(dir, ['init', '-q', '-b', 'main'])
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), content)
  }
  await gitOk(dir, ['add', '-A'])
  await gitOk(dir, ['commit', '-q', '-m', message])
  return (await gitOk(dir, ['rev-parse', 'HEAD'])).trim()
}

/** http://KEY:SECRET@host/v1/repos/name — git's Basic credentials in the URL. */
export function basicUrl(serverUrl: string, repo: string, user: string, password: string): string {
  const u = new URL(`${serverUrl}/v1/repos/${repo}`)
  u.username = encodeURIComponent(user)
  u.password = encodeURIComponent(password)
  return u.toString()
}
