import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readBody } from '../../shared/read-body.ts'
import { AwsError, SerializationException, ValidationException } from '../../shared/errors.ts'
import type { Authenticator, Precheck } from '../../protocol/authenticate.ts'
import { sendAwsJsonError } from '../../protocol/aws-json/router.ts'
import type { RunnerDispatch } from '../service/runner-dispatch.ts'
import type { ReportRecord, RunnerRecord } from '../records.ts'
import { LogGap } from '../logs/log-store.ts'
import { MissingSecret } from '../runner/secrets.ts'
import { parseRunnerLabels, type RunnerLabels } from '../model/runner-match.ts'
import {
  RUNNER_ERRORS, RUNNER_NAME, RUNNER_PROTOCOL_VERSION, RUNNER_RPC_PATH, buildFromWire, buildToWire, isRunnerPrincipal, reportFromWire,
  type NextResponse, type RegisterResponse, type WaitResponse, type WireBuild, type WireReport,
} from '../rpc/protocol.ts'

const MAX_JSON = 16 * 1024 * 1024
const MAX_LOG_CHUNK = 4 * 1024 * 1024

type Body = Record<string, unknown>
type Handler = (principal: string, body: Body, abort: AbortSignal) => Promise<object>

/**
 * The runner protocol's transport (see `rpc/protocol.ts`): `POST /runner/v1/<call>`, SigV4-signed by
 * a runner key — and only a runner key: other keys get AccessDenied here, and runner keys get it
 * everywhere else. Errors in the AWS JSON shape. A long-poll ends early when its caller goes away.
 */
export function registerRunnerRpc(app: FastifyInstance, deps: { dispatch: RunnerDispatch; authenticate: Authenticator; precheck?: Precheck }): void {
  const { dispatch } = deps
  const runnerOf = (principal: string, body: Body) => dispatch.runner(principal, str(body, 'runnerId'))

  const calls: Record<string, Handler> = {
    register: async (principal, body): Promise<RegisterResponse> => {
      const name = str(body, 'name')
      if (!RUNNER_NAME.test(name)) throw new ValidationException('name must be 1-64 of letters, digits and . @ _ -')
      const capacity = int(body, 'capacity', 1, 256)
      const runner = await dispatch.register(principal, { name, labels: labelsOf(body.labels), capacity, executor: str(body, 'executor'), version: str(body, 'version'), images: imagesOf(body.images) })
      return { runnerId: runner.id, leaseMs: dispatch.leaseMs, protocol: RUNNER_PROTOCOL_VERSION }
    },
    next: async (principal, body, abort): Promise<NextResponse> => {
      const runner = await runnerOf(principal, body)
      const assignments = await dispatch.next(runner, int(body, 'slots', 1, runner.capacity), int(body, 'waitMs', 0, 3_600_000), abort)
      return { assignments: assignments.map((a) => ({ ...a, build: buildToWire(a.build) })) }
    },
    wait: async (principal, body, abort): Promise<WaitResponse> => {
      const runner = await runnerOf(principal, body)
      const stop = await dispatch.watch(runner, str(body, 'jobId'), int(body, 'waitMs', 0, 3_600_000), abort)
      return stop ? { stop } : {}
    },
    update: async (principal, body) => {
      const runner = await runnerOf(principal, body)
      await dispatch.update(runner, str(body, 'jobId'), buildOf(body))
      return {}
    },
    secret: async (principal, body) => {
      const runner = await runnerOf(principal, body)
      const type = str(body, 'type')
      if (type !== 'PARAMETER_STORE' && type !== 'SECRETS_MANAGER') throw new ValidationException('type must be PARAMETER_STORE or SECRETS_MANAGER')
      try {
        return { value: await dispatch.secret(runner, str(body, 'jobId'), type, str(body, 'reference')) }
      } catch (err) {
        if (err instanceof MissingSecret) throw new AwsError(RUNNER_ERRORS.missingSecret, err.message, 400)
        throw err
      }
    },
    report: async (principal, body) => {
      const runner = await runnerOf(principal, body)
      await dispatch.report(runner, str(body, 'jobId'), reportOf(body))
      return {}
    },
    done: async (principal, body) => {
      const runner = await runnerOf(principal, body)
      await dispatch.done(runner, str(body, 'jobId'), buildOf(body))
      return {}
    },
  }

  const authenticated = async (request: FastifyRequest, body: Buffer): Promise<string> => {
    const caller = await deps.authenticate(request, createHash('sha256').update(body).digest('hex'))
    if (!isRunnerPrincipal(caller.principal)) throw new AwsError('AccessDeniedException', `${caller.principal} is not a runner: the runner protocol takes runner keys only (slipway keys create-runner NAME)`, 403)
    return caller.principal
  }

  app.post<{ Params: { call: string } }>(`${RUNNER_RPC_PATH}/:call`, async (request, reply) => {
    const requestId = randomUUID()
    const abort = abortOnClose(reply)
    try {
      const handler = Object.hasOwn(calls, request.params.call) ? calls[request.params.call] : undefined
      if (!handler) throw new AwsError('UnknownOperationException', `Unknown runner call ${request.params.call}`, 404)
      await deps.precheck?.(request)
      const raw = await readBody(request.raw, MAX_JSON)
      const principal = await authenticated(request, raw)
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        throw new SerializationException('Malformed JSON in the request body')
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SerializationException('The request body must be a JSON object')
      return json(reply, requestId, await handler(principal, body as Body, abort.signal))
    } catch (err) {
      return sendAwsJsonError(reply, err, requestId)
    }
  })

  // A log chunk: the bytes are the body, the rest is in the query (so nothing is copied into JSON).
  app.post<{ Querystring: Record<string, string | undefined> }>(`${RUNNER_RPC_PATH}/log`, async (request, reply) => {
    const requestId = randomUUID()
    try {
      await deps.precheck?.(request)
      const data = await readBody(request.raw, MAX_LOG_CHUNK)
      const principal = await authenticated(request, data)
      const q = request.query
      const runner: RunnerRecord = await runnerOf(principal, q)
      try {
        const size = await dispatch.appendLog(runner, str(q, 'jobId'), int({ offset: Number(q.offset) }, 'offset', 0, Number.MAX_SAFE_INTEGER), data)
        return json(reply, requestId, { size })
      } catch (err) {
        if (err instanceof LogGap) throw new AwsError('LogGapException', err.message, 409)
        throw err
      }
    } catch (err) {
      return sendAwsJsonError(reply, err, requestId)
    }
  })
}

function json(reply: FastifyReply, requestId: string, body: object): FastifyReply {
  return reply.code(200).header('content-type', 'application/json').header('x-amzn-RequestId', requestId).send(Buffer.from(JSON.stringify(body)))
}

/** Aborts when the response is closed — sent, or its caller gone (a long-poll then stops waiting). */
function abortOnClose(reply: FastifyReply): AbortController {
  const abort = new AbortController()
  reply.raw.once('close', () => abort.abort())
  return abort
}

function str(body: Body, name: string): string {
  const v = body[name]
  if (typeof v !== 'string' || v === '') throw new ValidationException(`${name} is required and must be a string`)
  return v
}

function int(body: Body, name: string, min: number, max: number): number {
  const v = body[name]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ValidationException(`${name} must be an integer from ${min} to ${max}`)
  return v
}

/** A runner's local images: at most 1000 names of at most 256 characters; older runners send none. */
function imagesOf(v: unknown): string[] {
  if (v === undefined) return []
  if (!Array.isArray(v) || v.length > 1000 || v.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 256)) throw new ValidationException('images must be at most 1000 image names of 1-256 characters')
  return v as string[]
}

function labelsOf(v: unknown): RunnerLabels {
  if (v === undefined) return {}
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ValidationException('labels must be an object of string arrays')
  const entries = Object.entries(v as Record<string, unknown>)
  if (entries.some(([, vs]) => !Array.isArray(vs) || vs.some((x) => typeof x !== 'string'))) throw new ValidationException('labels must be an object of string arrays')
  const text = entries.map(([k, vs]) => `${k}=${(vs as string[]).join('|')}`).join(',')
  const parsed = parseRunnerLabels(text)
  if (typeof parsed === 'string') throw new ValidationException(parsed)
  return parsed
}

const STATUSES = new Set(['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'IN_PROGRESS', 'STOPPED'])
const time = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0

/** A build record as a runner reports it: checked field by field (a bad one is a 400, never a 500). */
function buildOf(body: Body): ReturnType<typeof buildFromWire> {
  const b = body.build as WireBuild | undefined
  const bad = (what: string) => new ValidationException(`build: ${what}`)
  if (!b || typeof b !== 'object') throw bad('required, a build record')
  if (typeof b.status !== 'string' || !STATUSES.has(b.status)) throw bad('status must be a CodeBuild build status')
  if (typeof b.currentPhase !== 'string' || !/^[A-Z_]{1,32}$/.test(b.currentPhase)) throw bad('currentPhase must be a phase name')
  if (!Array.isArray(b.phases) || b.phases.length > 32) throw bad('phases must be a list of at most 32 phases')
  for (const p of b.phases) {
    if (!p || typeof p !== 'object' || typeof p.phaseType !== 'string' || !time(p.startTime) || (p.endTime !== undefined && !time(p.endTime))) throw bad('each phase needs a phaseType and epoch-millisecond times')
    if (p.phaseStatus !== undefined && !STATUSES.has(p.phaseStatus)) throw bad(`phase status ${String(p.phaseStatus)} is not one`)
  }
  if (b.endTime !== undefined && !time(b.endTime)) throw bad('endTime must be epoch milliseconds')
  if (!Array.isArray(b.exportedVariables ?? []) || !Array.isArray(b.secondaryArtifacts ?? [])) throw bad('exportedVariables and secondaryArtifacts must be lists')
  return buildFromWire({ ...b, exportedVariables: b.exportedVariables ?? [], secondaryArtifacts: b.secondaryArtifacts ?? [] })
}

/** A test report as a runner sends it; its ARN must belong to the build's project (checked by the use case). */
function reportOf(body: Body): ReportRecord {
  const r = body.report as WireReport | undefined
  const bad = (what: string) => new ValidationException(`report: ${what}`)
  if (!r || typeof r !== 'object') throw bad('required')
  for (const f of ['arn', 'reportGroupArn', 'name', 'type', 'status'] as const) if (typeof r[f] !== 'string' || r[f] === '') throw bad(`${f} is required`)
  if (!time(r.createdAt) || !r.summary || typeof r.summary !== 'object' || !Array.isArray(r.testCases)) throw bad('createdAt, summary and testCases are required')
  return reportFromWire(r)
}
