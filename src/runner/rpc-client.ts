/**
 * The runner's side of the runner protocol (src/build/rpc/protocol.ts): signed JSON POSTs to the
 * server, nothing else. The in-process runner of `slipway up` uses this same client over loopback.
 */
import { signedFetch, type SigningCredentials } from '../protocol/sigv4/sign-request.ts'
import type { BuildRecord, ReportRecord } from '../build/records.ts'
import { ServiceError } from '../protocol/service-error.ts'
import {
  RUNNER_RPC_PATH, RUNNER_SIGNING_SERVICE, buildFromWire, buildToWire, reportToWire,
  type Assignment, type LogResponse, type NextResponse, type RegisterRequest, type RegisterResponse, type SecretResponse, type WaitResponse,
} from '../build/rpc/protocol.ts'

/** How long a call may take beyond its own long-poll wait. */
const CALL_TIMEOUT_MS = 10_000

export type RunnerEndpoint = { url: string; region: string; credentials: SigningCredentials }

export class RunnerClient {
  readonly endpoint: RunnerEndpoint
  readonly #base: string

  constructor(endpoint: RunnerEndpoint) {
    this.endpoint = endpoint
    this.#base = endpoint.url.replace(/\/+$/, '') + RUNNER_RPC_PATH
  }

  register(req: RegisterRequest): Promise<RegisterResponse> {
    return this.#call('register', req)
  }

  async next(runnerId: string, slots: number, waitMs: number, signal?: AbortSignal): Promise<Assignment[]> {
    const res = await this.#call<NextResponse>('next', { runnerId, slots, waitMs }, signal, waitMs + CALL_TIMEOUT_MS)
    return res.assignments.map((a) => ({ ...a, build: buildFromWire(a.build) }))
  }

  wait(runnerId: string, jobId: string, waitMs: number, signal?: AbortSignal): Promise<WaitResponse> {
    return this.#call('wait', { runnerId, jobId, waitMs }, signal, waitMs + CALL_TIMEOUT_MS)
  }

  async update(runnerId: string, jobId: string, build: BuildRecord): Promise<void> {
    await this.#call('update', { runnerId, jobId, build: buildToWire(build) })
  }

  async secret(runnerId: string, jobId: string, type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string): Promise<string> {
    return (await this.#call<SecretResponse>('secret', { runnerId, jobId, type, reference })).value
  }

  async report(runnerId: string, jobId: string, report: ReportRecord): Promise<void> {
    await this.#call('report', { runnerId, jobId, report: reportToWire(report) })
  }

  async done(runnerId: string, jobId: string, build: BuildRecord): Promise<void> {
    await this.#call('done', { runnerId, jobId, build: buildToWire(build) })
  }

  /** Sends log bytes at `offset`; an empty chunk just asks for the log's size. Returns the size after. */
  async log(runnerId: string, jobId: string, offset: number, data: Buffer): Promise<number> {
    const url = new URL(`${this.#base}/log`)
    url.search = new URLSearchParams({ runnerId, jobId, offset: String(offset) }).toString()
    const res = await signedFetch(url, { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' }, service: RUNNER_SIGNING_SERVICE, region: this.endpoint.region, credentials: this.endpoint.credentials, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
    return (await answer<LogResponse>(res, 'log')).size
  }

  /** One call; it gives up after `timeoutMs` (a half-open connection must not hold a lease hostage). */
  async #call<T>(name: string, body: object, signal?: AbortSignal, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    const limit = AbortSignal.timeout(timeoutMs)
    const res = await signedFetch(`${this.#base}/${name}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      service: RUNNER_SIGNING_SERVICE,
      region: this.endpoint.region,
      credentials: this.endpoint.credentials,
      signal: signal ? AbortSignal.any([signal, limit]) : limit,
    })
    return answer<T>(res, name)
  }
}

async function answer<T>(res: Response, name: string): Promise<T> {
  const text = await res.text()
  let doc: Record<string, unknown> = {}
  try {
    doc = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
  } catch {
    throw new ServiceError('SerializationException', `unreadable answer to ${name} (HTTP ${res.status}): ${text.slice(0, 200)}`, res.status)
  }
  if (!res.ok) {
    const code = (typeof doc.__type === 'string' && doc.__type) || `HTTP${res.status}`
    throw new ServiceError(code, typeof doc.message === 'string' ? doc.message : text.slice(0, 200), res.status)
  }
  return doc as T
}

/** Whether an error is the server's considered answer (vs. a transport failure worth retrying). */
export const isServiceError = (err: unknown): err is ServiceError => err instanceof ServiceError
export { ServiceError }
