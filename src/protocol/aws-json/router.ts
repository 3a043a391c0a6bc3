import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AwsError, InternalFailure, NotImplementedOperation, SerializationException, UnknownOperationException, ValidationException } from '../../shared/errors.ts'
import { readBody } from '../../shared/read-body.ts'
import { DISK_FULL_MESSAGE, isDiskFull, shouldLogDiskFull } from '../../shared/disk-full.ts'
import type { Authenticator, Precheck } from '../authenticate.ts'
import type { AwsJsonService, CallContext } from './operation-table.ts'
import { type ServiceModel, findOperation, loadServiceModel, signingNameOf } from './service-model.ts'
import { formatViolations, validationViolations, withoutNullMembers } from './validate.ts'
import { serializeOutput } from './serialize.ts'

const MAX_BODY = 16 * 1024 * 1024
const CONTENT_TYPE = 'application/x-amz-json-1.1'

type Mounted = { service: AwsJsonService; model: ServiceModel }

export type AwsJsonOptions = {
  services: AwsJsonService[]
  authenticate: Authenticator
  /** The region this server serves: a request signed for another is refused, as AWS refuses a wrong-region signature. */
  region: string
  /** Runs before the body is read: an unsigned request or an unknown key is refused without reading it. */
  precheck?: Precheck
  /**
   * The audit hook: every call that changes something (succeeded or failed), and every call refused
   * for its credentials; `outcome` is `ok` or the error code. Reads and an agent's polling and
   * progress are not changes and are not recorded.
   */
  onAudit?: (entry: { principal: string; action: string; resource: string | undefined; requestId: string; outcome: string }) => Promise<void>
}

/** Sends any error the AWS JSON way: `__type` in the body, `x-amzn-ErrorType` header, status. */
export function sendAwsJsonError(reply: FastifyReply, err: unknown, requestId: string): FastifyReply {
  const diskFull = !(err instanceof AwsError) && isDiskFull(err)
  const error = err instanceof AwsError ? err : diskFull ? new AwsError('ServiceUnavailableException', DISK_FULL_MESSAGE, 503) : new InternalFailure()
  if (diskFull) {
    if (shouldLogDiskFull()) reply.log.error({ err, requestId }, 'the disk is full: writes fail until space is freed')
  } else if (!(err instanceof AwsError)) reply.log.error({ err, requestId }, 'unhandled error')
  return reply
    .code(error.status)
    .header('content-type', CONTENT_TYPE)
    .header('x-amzn-RequestId', requestId)
    .header('x-amzn-ErrorType', error.code)
    .send(Buffer.from(JSON.stringify({ __type: error.code, message: error.message })))
}

/**
 * The AWS JSON 1.1 transport: `POST /` routed by `X-Amz-Target: <targetPrefix>.<Operation>`, signed
 * with SigV4, validated against the API model, answered with the model's output shape.
 */
export function registerAwsJson(app: FastifyInstance, options: AwsJsonOptions): void {
  const byPrefix = new Map<string, Mounted>()
  for (const service of options.services) {
    const model = loadServiceModel(service.model)
    byPrefix.set(model.metadata.targetPrefix, { service, model })
  }

  app.post('/', async (request: FastifyRequest, reply: FastifyReply) => {
    const requestId = randomUUID()
    /** What is known of the call so far, for the audit entry a failure writes. */
    const known: { principal?: string; action?: string; input?: Record<string, unknown>; mutating?: boolean } = {}
    try {
      await options.precheck?.(request)
      const declared = Number(request.headers['content-length'] ?? 0)
      if (declared > MAX_BODY) throw new AwsError('RequestEntityTooLarge', `Request body is larger than ${MAX_BODY} bytes`, 413)
      const body = await readBody(request.raw, MAX_BODY)
      const caller = await options.authenticate(request, createHash('sha256').update(body).digest('hex'))
      const target = String(request.headers['x-amz-target'] ?? '')
      const dot = target.lastIndexOf('.')
      const mounted = byPrefix.get(target.slice(0, dot))
      const operationName = target.slice(dot + 1)
      const operation = mounted && dot > 0 ? findOperation(mounted.model, operationName) : undefined
      if (!mounted || !operation) throw new UnknownOperationException(target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header')
      const service = signingNameOf(mounted.model)
      known.principal = caller.principal
      known.action = `${service}:${operationName}`
      known.mutating = isChange(service, operationName)
      if (caller.service !== service) throw new AwsError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'. `, 403)
      if (caller.region !== options.region) throw new AwsError('InvalidSignatureException', `Credential should be scoped to a valid region: this server serves '${options.region}', not '${caller.region}'. `, 403)

      let input: unknown
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
      } catch {
        throw new SerializationException('Malformed JSON in the request body')
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new SerializationException('The request body must be a JSON object')
      known.input = input as Record<string, unknown>
      const violations = validationViolations(mounted.model, operationName, input)
      if (violations.length > 0) {
        throw mounted.service.mapViolations?.(operationName, violations) ?? new ValidationException(formatViolations(violations))
      }
      input = withoutNullMembers(input)
      const handler = mounted.service.handlers[operationName]
      if (!handler) throw new NotImplementedOperation(mounted.model.metadata.serviceId, operationName)

      const hangup = new AbortController()
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) hangup.abort()
      })
      const call: CallContext = { principal: caller.principal, accessKeyId: caller.accessKeyId, requestId, region: caller.region, signal: hangup.signal }
      const output = await handler(input, call)
      if (options.onAudit && known.mutating) {
        await options.onAudit({ principal: call.principal, action: known.action, resource: resourceOf(known.input), requestId, outcome: 'ok' })
      }
      const json = operation.output ? serializeOutput(mounted.model, operation.output, output ?? {}) : {}
      return reply.code(200).header('content-type', CONTENT_TYPE).header('x-amzn-RequestId', requestId).send(Buffer.from(JSON.stringify(json)))
    } catch (err) {
      // A body left unread (refused before or while reading it): do not keep the connection.
      if (!request.raw.readableEnded) reply.header('connection', 'close')
      const code = err instanceof AwsError ? err.code : 'InternalFailure'
      const denied = !known.principal && err instanceof AwsError && AUTH_FAILURES.has(err.code)
      if (options.onAudit && (known.mutating || denied || code === 'AccessDeniedException')) {
        const claimed = /Credential=([A-Z0-9]+)\//.exec(String(request.headers.authorization ?? ''))?.[1]
        await options.onAudit({
          principal: known.principal ?? `unauthenticated${claimed ? `:${claimed}` : ''}`,
          action: known.action ?? (String(request.headers['x-amz-target'] ?? '') || 'unknown'),
          resource: known.input ? resourceOf(known.input) : undefined,
          requestId,
          outcome: code,
        }).catch(() => undefined)
      }
      return sendAwsJsonError(reply, err, requestId)
    }
  })
}

/** Refusals for the caller's credentials: audited whatever the operation. */
const AUTH_FAILURES = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'AccessDeniedException'])

/** An agent's polling and progress reports: traffic, not changes anyone made. */
const AGENT_TRAFFIC = new Set(['codedeploy-commands:PutHostCommandAcknowledgement', 'codedeploy-commands:PostHostCommandUpdate'])

/** Whether an operation changes something (and so is audited): not a read, not an agent's polling. */
function isChange(service: string, operation: string): boolean {
  return !/^(Get|List|BatchGet|Describe|Poll)/.test(operation) && !AGENT_TRAFFIC.has(`${service}:${operation}`)
}

/** The resource a mutating call names, for the audit log: its first naming member, if any. */
function resourceOf(input: Record<string, unknown>): string | undefined {
  const pipeline = input.pipeline as { name?: unknown } | undefined
  for (const value of [input.pipelineName, input.repositoryName, input.projectName, input.applicationName, input.name, pipeline?.name, input.deploymentId, input.id, input.instanceName]) {
    if (typeof value === 'string' && value !== '') return value
  }
  return undefined
}
