import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyRequest } from 'fastify'
import type { ConsoleSessionStore } from './records.ts'

export const SESSION_COOKIE = 'slipway_console'
const SESSION_MS = 12 * 3600_000
const LOGIN_TOKEN_MS = 10 * 60_000

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const tokenDir = (dataDir: string) => path.join(dataDir, 'console', 'login-tokens')

/**
 * One-time login tokens live as files in the (0700) data dir, named by the token's SHA-256, so that
 * `slipway console` (another process) can mint one and the server can redeem it exactly once.
 */
export function createLoginToken(dataDir: string, now = Date.now()): string {
  const token = randomBytes(24).toString('base64url')
  fs.mkdirSync(tokenDir(dataDir), { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(tokenDir(dataDir), sha256(token)), JSON.stringify({ expires: now + LOGIN_TOKEN_MS }), { mode: 0o600 })
  return token
}

/** True once per valid, unexpired token: the file is removed by the first redeem. */
export function redeemLoginToken(dataDir: string, token: string, now = Date.now()): boolean {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return false
  const file = path.join(tokenDir(dataDir), sha256(token))
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
    fs.rmSync(file)
  } catch {
    return false
  }
  try {
    return (JSON.parse(text) as { expires: number }).expires > now
  } catch {
    return false
  }
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * Console sessions: random ids in an HttpOnly cookie. Kept in memory for the per-request check and
 * written through to the store (only the id's SHA-256), so a restart does not sign anyone out.
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, { principal: string; expires: number }>()
  readonly #store: ConsoleSessionStore

  private constructor(store: ConsoleSessionStore) {
    this.#store = store
  }

  /** The sessions still valid in `store`. */
  static async load(store: ConsoleSessionStore, now = Date.now()): Promise<ConsoleSessions> {
    const sessions = new ConsoleSessions(store)
    for (const s of await store.live(now)) sessions.#sessions.set(s.idHash, { principal: s.principal, expires: s.expiresAt })
    return sessions
  }

  async open(principal: string, now = Date.now()): Promise<{ id: string; cookie: string }> {
    const id = randomBytes(32).toString('base64url')
    const session = { principal, expires: now + SESSION_MS }
    await this.#store.put({ idHash: sha256(id), principal, expiresAt: session.expires })
    this.#sessions.set(sha256(id), session)
    return { id, cookie: `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}` }
  }

  async close(request: FastifyRequest): Promise<string> {
    const id = cookieValue(request, SESSION_COOKIE)
    if (id) {
      this.#sessions.delete(sha256(id))
      await this.#store.remove(sha256(id))
    }
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
  }

  /** The signed-in principal of a request's session cookie, if any. */
  principalOf = (request: FastifyRequest, now = Date.now()): string | undefined => {
    const id = cookieValue(request, SESSION_COOKIE)
    if (!id) return undefined
    const key = sha256(id)
    const s = this.#sessions.get(key)
    if (!s) return undefined
    if (s.expires <= now) {
      this.#sessions.delete(key)
      void this.#store.remove(key).catch(() => {})
      return undefined
    }
    return s.principal
  }
}

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
