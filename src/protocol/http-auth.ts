import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { KeyCredential } from '../identity/key-service.ts'
import type { Authenticator } from './authenticate.ts'
import { EMPTY_SHA256 } from './sigv4/signing.ts'

export type HttpAuth = {
  lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>
  sigv4: Authenticator
  /** The web console's session cookie, when the console is mounted (src/web). */
  session?: (request: FastifyRequest) => Promise<string | undefined>
}

/**
 * Authenticates a Slipway HTTP endpoint (logs, and later the console's API) for GET requests: SigV4
 * headers or presigned query, or HTTP Basic with an access key id and its secret. Answers 401 (with
 * a Basic challenge) itself and returns undefined when the caller is not authenticated.
 */
export async function requirePrincipal(request: FastifyRequest, reply: FastifyReply, auth: HttpAuth): Promise<string | undefined> {
  return (await requireCaller(request, reply, auth))?.principal
}

/** `requirePrincipal`, with the access key that signed (none for a console session). */
export async function requireCaller(request: FastifyRequest, reply: FastifyReply, auth: HttpAuth): Promise<{ principal: string; accessKeyId?: string } | undefined> {
  const header = request.headers.authorization ?? ''
  const fromSession = header ? undefined : await auth.session?.(request)
  if (fromSession) return { principal: fromSession }
  try {
    if (header.startsWith('AWS4-HMAC-SHA256') || String(request.raw.url).includes('X-Amz-Signature=')) {
      const caller = await auth.sigv4(request, EMPTY_SHA256)
      return { principal: caller.principal, accessKeyId: caller.accessKeyId }
    }
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
    if (m?.[1]) {
      const decoded = Buffer.from(m[1], 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const key = colon > 0 ? await auth.lookup(decoded.slice(0, colon)) : undefined
      const given = Buffer.from(decoded.slice(colon + 1))
      const secret = Buffer.from(key?.secretAccessKey ?? '')
      if (key && given.length === secret.length && timingSafeEqual(given, secret)) return { principal: key.principal, accessKeyId: key.accessKeyId }
    }
  } catch {
    // fall through to the challenge
  }
  reply.code(401).header('www-authenticate', 'Basic realm="Slipway"').header('content-type', 'text/plain; charset=utf-8').send('Authentication required: sign the request (SigV4) or use your access key id and secret as Basic credentials\n')
  return undefined
}
