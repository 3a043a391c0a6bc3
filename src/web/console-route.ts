import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AwsJsonService, CallContext } from '../protocol/aws-json/operation-table.ts'
import type { SubStores } from '../infra/store.ts'
import type { Clock } from '../infra/clock.ts'
import { AwsError } from '../shared/errors.ts'
import { loadServiceModel } from '../protocol/aws-json/service-model.ts'
import { formatViolations, validationViolations, withoutNullMembers } from '../protocol/aws-json/validate.ts'
import type { ConsoleSessions } from './sessions.ts'

/** A file a console route answers with: streamed, with its type and the name browsers save it under. */
export class ConsoleDownload {
  readonly body: Readable
  readonly fileName: string
  readonly contentType: string
  constructor(body: Readable, fileName: string, contentType = 'application/octet-stream') {
    this.body = body
    this.fileName = fileName
    this.contentType = contentType
  }
}

export type ConsoleRequest = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string> }>

/** What every console route module needs: the session check, a way to call a service's own handler, the audit log. */
export type ConsoleRouter = {
  /** Registers a session-checked JSON route; errors answer `{ error, message }` (never a stack). */
  route: (method: 'GET' | 'POST' | 'PUT', url: string, fn: (request: ConsoleRequest, principal: string) => Promise<unknown>) => void
  /** Calls an AWS operation's handler as `principal`, after the same model validation the AWS transport does. */
  call: (service: AwsJsonService, op: string, input: unknown, principal: string) => Promise<unknown>
  audit: (principal: string, action: string, resource: string) => Promise<void>
}

export function consoleRouter(app: FastifyInstance, deps: { region: string; store: Pick<SubStores, 'audit'>; clock: Clock; sessions: ConsoleSessions }): ConsoleRouter {
  const call = async (service: AwsJsonService, op: string, input: unknown, principal: string) => {
    const handler = service.handlers[op]
    if (!handler) throw new Error(`no handler ${op}`)
    const violations = validationViolations(loadServiceModel(service.model), op, input)
    if (violations.length > 0) throw service.mapViolations?.(op, violations) ?? new AwsError('ValidationException', formatViolations(violations))
    const ctx: CallContext = { principal, accessKeyId: 'console-session', requestId: randomBytes(8).toString('hex'), region: deps.region }
    return handler(withoutNullMembers(input), ctx)
  }
  const audit = async (principal: string, action: string, resource: string) => {
    await deps.store.audit.append({ at: deps.clock.now(), principal, action, resource, requestId: randomBytes(8).toString('hex') })
  }
  const route: ConsoleRouter['route'] = (method, url, fn) =>
    app.route({
      method,
      url,
      handler: async (request: ConsoleRequest, reply: FastifyReply) => {
        reply.header('cache-control', 'no-store')
        const principal = await deps.sessions.principalOf(request)
        if (!principal) return reply.code(401).send({ error: 'Unauthorized', message: 'Sign in to the console first' })
        try {
          const out = await fn(request, principal)
          if (out instanceof ConsoleDownload) {
            const ascii = out.fileName.replace(/[^A-Za-z0-9._-]/g, '_')
            reply.header('content-type', out.contentType).header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(out.fileName)}`)
            return reply.send(out.body)
          }
          return reply.send(out ?? {})
        } catch (err) {
          return sendConsoleError(request, reply, err)
        }
      },
    })
  return { route, call, audit }
}

/** Reads a JSON object body (at most `limit` bytes); anything else is a ValidationException. */
export async function readJson(request: FastifyRequest, limit = 64 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length
    if (size > limit) throw new AwsError('ValidationException', 'Request body too large')
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new AwsError('ValidationException', 'The request body must be a JSON object')
}

export const str = (v: unknown) => (typeof v === 'string' ? v : '')

export function sendConsoleError(request: FastifyRequest, reply: FastifyReply, err: unknown) {
  if (err instanceof AwsError) {
    const status = err.status !== 400 ? err.status : /NotFound|DoesNotExist/.test(err.code) ? 404 : 400
    return reply.code(status).send({ error: err.code, message: err.message })
  }
  request.log.error({ err }, 'console API failed')
  return reply.code(500).send({ error: 'InternalError', message: 'The server could not complete the request; see its log' })
}
