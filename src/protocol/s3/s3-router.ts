/**
 * The S3 REST transport (path-style): `GET /` and `/<bucket>[/<key>]` on the shared Fastify app. Every
 * request is SigV4-verified (header or presigned form) before anything else happens; the operation is
 * chosen by method, bucket/object level and sub-resource; errors leave through `sendS3Error`.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { S3Error } from '../../artifacts/model/errors.ts'
import { verifyRequest } from '../sigv4/verify-request.ts'
import { claimedPayloadHash } from './payload.ts'
import { S3Call, type S3Deps } from './s3-call.ts'
import { sendS3Error } from './s3-errors.ts'
import { parseTarget, type S3Target } from './s3-target.ts'
import { chooseOperation } from './operations.ts'

export type { S3Deps } from './s3-call.ts'

const METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'POST']

const newRequestId = () => randomBytes(8).toString('hex').toUpperCase()

async function authenticate(request: FastifyRequest, target: S3Target, deps: S3Deps) {
  const presigned = target.query.has('X-Amz-Signature') || target.query.has('X-Amz-Credential')
  const payloadHash = claimedPayloadHash(request.raw, presigned)
  const caller = await verifyRequest(
    { method: request.raw.method ?? 'GET', path: target.rawPath, query: target.rawQuery, headers: request.raw.headersDistinct, payloadHash },
    deps.lookup,
    deps.clock.now(),
    { maxSkewSeconds: deps.maxSkewSeconds },
  )
  return { caller, payloadHash }
}

export function registerS3(app: FastifyInstance, deps: S3Deps): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const requestId = newRequestId()
    reply.header('x-amz-request-id', requestId).header('x-amz-id-2', randomBytes(24).toString('base64')).header('server', 'Slipway')
    const method = request.raw.method ?? 'GET'
    let target: S3Target | undefined
    try {
      target = parseTarget(request.raw.url ?? '/')
      const { caller, payloadHash } = await authenticate(request, target, deps)
      const operation = chooseOperation(method, target, request.raw.headers)
      if (!operation) throw new S3Error('NotImplemented', 'A header or query you provided implies functionality that is not implemented', 501)
      await operation(new S3Call({ request, reply, objects: deps.objects, clock: deps.clock, target, caller, requestId, payloadHash }))
    } catch (error) {
      if (reply.sent) {
        request.log.warn({ err: error, requestId }, 'S3 response failed after it started')
        return reply
      }
      if (!request.raw.readableEnded) {
        // The body was not (fully) read: discard the rest and do not reuse the connection.
        reply.header('connection', 'close')
        request.raw.unpipe()
        request.raw.resume()
      }
      sendS3Error(reply, error, {
        requestId,
        method,
        ...(target?.bucket ? { bucket: target.bucket } : {}),
        ...(target?.key !== undefined ? { key: target.key } : {}),
        resource: target?.rawPath ?? '/',
      })
    }
    return reply
  }
  app.get('/', handle)
  app.route({ method: METHODS, url: '/:bucket', exposeHeadRoute: false, handler: handle })
  app.route({ method: METHODS, url: '/:bucket/*', exposeHeadRoute: false, handler: handle })
}
