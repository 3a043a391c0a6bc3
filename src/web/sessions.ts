import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { ConsoleSessionStore, LoginGrant } from './records.ts'
import type { KeyCredential } from '../identity/key-service.ts'
import { isBuildPrincipal } from '../identity/build-keys.ts'

export const SESSION_COOKIE = 'slipway_console'
const SESSION_MS = 12 * 3600_000
const LOGIN_TOKEN_MS = 10 * 60_000

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
/**
 * One-time login tokens: a server mints one for an authenticated principal (what `slipway console`
 * asks for) into the store (only its SHA-256), and any server on that store redeems it exactly once,
 * signing in that principal.
 */
export async function createLoginToken(store: ConsoleSessionStore, grant: LoginGrant, now = Date.now()): Promise<string> {
  const token = randomBytes(24).toString('base64url')
  await store.addLoginToken(sha256(token), grant, now + LOGIN_TOKEN_MS)
  return token
}

/** The grant of a valid, unexpired token, once. */
export async function redeemLoginToken(store: ConsoleSessionStore, token: string, now = Date.now()): Promise<LoginGrant | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined
  return store.redeemLoginToken(sha256(token), now)
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** A build's temporary key asked for a console session: builds never get one. */
export class BuildKeySession extends Error {
  constructor() {
    super('A build\'s key cannot open console sessions')
  }
}

/**
 * Console sessions: random ids in an HttpOnly cookie; the store keeps only each id's SHA-256. Every
 * request reads its session from the store, so a session opened on one server works on all of them,
 * and a sign-out (or expiry) holds everywhere at once. A session names the access key that opened it
 * and ends when that key is deleted (checked on every request); a build's key opens none.
 */
export class ConsoleSessions {
  readonly #store: ConsoleSessionStore
  readonly #lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>

  constructor(store: ConsoleSessionStore, lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>) {
    this.#store = store
    this.#lookup = lookup
  }

  async open(grant: LoginGrant, now = Date.now()): Promise<{ id: string; cookie: string }> {
    if (isBuildPrincipal(grant.principal)) throw new BuildKeySession()
    const id = randomBytes(32).toString('base64url')
    await this.#store.put({ idHash: sha256(id), principal: grant.principal, accessKeyId: grant.accessKeyId, expiresAt: now + SESSION_MS })
    return { id, cookie: `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}` }
  }

  async close(request: FastifyRequest): Promise<string> {
    const id = cookieValue(request, SESSION_COOKIE)
    if (id) await this.#store.remove(sha256(id))
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
  }

  /** The signed-in principal of a request's session cookie, if any. */
  principalOf = async (request: FastifyRequest, now = Date.now()): Promise<string | undefined> => {
    const id = cookieValue(request, SESSION_COOKIE)
    if (!id) return undefined
    const session = await this.#store.get(sha256(id), now)
    if (!session) return undefined
    const key = await this.#lookup(session.accessKeyId)
    return key?.principal === session.principal ? session.principal : undefined
  }
}

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
