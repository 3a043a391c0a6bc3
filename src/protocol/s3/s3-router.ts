/**
 * The S3 REST transport (path-style): `GET /` and `/<bucket>[/<key>]` on the shared Fastify app. Every
 * request is SigV4-verified (header or presigned form) before anything else happens; the operation is
 * chosen by method, bucket/object level and sub-resource; errors leave through `sendS3Error`.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { S3Error } from '../../artifacts/model/errors.ts'
import { RESERVED_BUCKETS } from '../../artifacts/model/names.ts'
import { verifyRequest } from '../sigv4/verify-request.ts'
import { claimedPayloadHash } from './payload.ts'
import { S3Call, type S3Deps } from './s3-call.ts'
import { sendS3Error, toS3Error } from './s3-errors.ts'
import { AwsError } from '../../shared/errors.ts'
import { rememberPrincipal } from '../request-principal.ts'
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
    let principal: string | undefined
    let action: string | undefined
    const audit = (outcome: string) => {
      const write = method === 'PUT' || method === 'POST' || method === 'DELETE'
      const denied = principal === undefined && outcome !== 'ok'
      if (!deps.audit || !(write || denied)) return Promise.resolve()
      const resource = target?.bucket ? `arn:aws:s3:::${target.bucket}${target.key !== undefined ? `/${target.key}` : ''}` : 'arn:aws:s3:::'
      return deps.audit({ principal: principal ?? 'unauthenticated', action: action ?? `s3:${method}`, resource, requestId, outcome }).catch(() => undefined)
    }
    try {
      target = parseTarget(request.raw.url ?? '/')
      const { caller, payloadHash } = await authenticate(request, target, deps)
      if (caller.service !== 's3') throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; the service '${caller.service}' is wrong; expecting 's3'`, 400)
      if (deps.region !== undefined && caller.region !== deps.region) {
        throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${caller.region}' is wrong; expecting '${deps.region}'`, 400, { Region: deps.region })
      }
      if (RESERVED_BUCKETS.includes(target.bucket)) {
        if (method === 'PUT' && target.key === undefined) throw new S3Error('InvalidBucketName', `The bucket name ${target.bucket} is reserved by Slipway`, 400, { BucketName: target.bucket })
        throw new S3Error('AccessDenied', `The bucket ${target.bucket} is reserved by Slipway and not served through the S3 API`, 403)
      }
      principal = caller.principal
      rememberPrincipal(request, principal)
      const operation = chooseOperation(method, target, request.raw.headers)
      if (!operation) throw new S3Error('NotImplemented', 'A header or query you provided implies functionality that is not implemented', 501)
      action = `s3:${operation.name.charAt(0).toUpperCase()}${operation.name.slice(1)}`
      await operation(new S3Call({ request, reply, objects: deps.objects, clock: deps.clock, target, caller, requestId, payloadHash }))
      await audit('ok')
    } catch (error) {
      await audit(error instanceof AwsError ? (toS3Error(error)?.code ?? error.code) : 'InternalError')
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

/**
 * A URL Fastify cannot decode (invalid UTF-8 in percent-escapes): the path-style S3 API is the only
 * endpoint with free-form path segments, so it answers with S3's error; Fastify's `frameworkErrors`
 * hands such requests here before any route runs.
 */
export function sendUndecodableUrl(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const rawPath = (request.raw.url ?? '/').split('?')[0] ?? '/'
  return sendS3Error(reply, new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400, { URI: rawPath }), { requestId: newRequestId(), method: request.raw.method ?? 'GET', resource: rawPath })
}
