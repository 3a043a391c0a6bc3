/**
 * The deploy agent's main loop: register as an on-premises instance, long-poll the command channel,
 * and run each host command (one lifecycle event) with acknowledgement, heartbeats and a completion
 * report. Commands of different deployments run concurrently; those of one deployment in order.
 * Transport failures back off (1 s doubling to 30 s) and carry on; `stop()` abandons running events
 * (their scripts are killed and the event reported Failed) and resolves once everything has ended.
 */
import { callJson, CODEDEPLOY_TARGET, COMMANDS_TARGET, ServiceError } from './api-client.ts'
import type { Endpoint } from './api-client.ts'
import { decodeDeploymentSpecification } from './deployment-spec.ts'
import type { DeploymentSpec } from './deployment-spec.ts'
import { diagnosticsFor, ErrorCode, EventFailure, LogTail } from './diagnostics.ts'
import { isNoop, runLifecycleEvent } from './lifecycle-events.ts'
import type { SigningCredentials } from '../protocol/sigv4/sign-request.ts'

export type AgentLogLevel = 'info' | 'warn' | 'error'

export type AgentOptions = {
  /** Base URL of the Slipway server (CodeDeploy, the command channel and S3 all live there). */
  server: string
  credentials: SigningCredentials
  /** On-premises instance name. */
  name: string
  tags?: { Key: string; Value: string }[]
  /** Deployment root dir (`<root>/<dg-id>/<deployment-id>/…`, `<root>/deployment-instructions/`). */
  root: string
  region?: string
  /** Seconds between `PostHostCommandUpdate` heartbeats while an event runs. Default 2. */
  heartbeatSeconds?: number
  /** Default `arn:aws:iam::000000000000:user/<name>`. */
  hostIdentifier?: string
  /** Deployment dirs kept per deployment group. Default 5. */
  maxRevisions?: number
  /** Commands (of different deployments) run at once. Default 4. */
  maxConcurrent?: number
  /** Seconds between TERM and KILL when a script is stopped. Default 5. */
  killGraceSeconds?: number
  log?: (level: AgentLogLevel, message: string) => void
}

export type AgentHandle = {
  readonly hostIdentifier: string
  /** Settles when the agent has stopped; rejects when it could not start (e.g. its key is refused). */
  readonly done: Promise<void>
  stop(): Promise<void>
}

type HostCommand = {
  HostCommandIdentifier: string
  HostIdentifier?: string
  DeploymentExecutionId: string
  CommandName: string
  Nonce?: number
}

const MIN_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 30_000

export class Backoff {
  #next = MIN_BACKOFF_MS
  next(): number {
    const d = this.#next
    this.#next = Math.min(this.#next * 2, MAX_BACKOFF_MS)
    return d
  }
  reset(): void {
    this.#next = MIN_BACKOFF_MS
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

const isTransport = (err: unknown) => !(err instanceof ServiceError) || err.status >= 500 || err.code === 'ThrottlingException'

function defaultLog(level: AgentLogLevel, message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${level} agent: ${message}\n`)
}

export function defaultHostIdentifier(name: string): string {
  return `arn:aws:iam::000000000000:user/${name}`
}

/** Starts the agent in this process. */
export function startAgent(options: AgentOptions): AgentHandle {
  const log = options.log ?? defaultLog
  const endpoint: Endpoint = { url: options.server, region: options.region ?? 'us-east-1', credentials: options.credentials }
  const heartbeatMs = (options.heartbeatSeconds ?? 2) * 1000
  const maxConcurrent = Math.max(1, options.maxConcurrent ?? 4)
  let hostIdentifier = options.hostIdentifier ?? defaultHostIdentifier(options.name)
  const stopping = new AbortController()
  const running = new Set<Promise<void>>()
  /** Per deployment, the tail of its chain of commands. */
  const chains = new Map<string, Promise<void>>()

  const commands = <T = Record<string, unknown>>(op: string, input: object, signal?: AbortSignal) =>
    callJson<T>(endpoint, `${COMMANDS_TARGET}.${op}`, 'codedeploy-commands', input, signal)
  const codedeploy = <T = Record<string, unknown>>(op: string, input: object) =>
    callJson<T>(endpoint, `${CODEDEPLOY_TARGET}.${op}`, 'codedeploy', input, stopping.signal)

  /** Retries transport failures with back-off until it works or the agent stops. */
  async function persist<T>(what: string, fn: () => Promise<T>, attempts = Infinity): Promise<T> {
    const backoff = new Backoff()
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (!isTransport(err) || attempt >= attempts || stopping.signal.aborted) throw err
        const delay = backoff.next()
        log('warn', `${what} failed (${(err as Error).message}); retrying in ${delay / 1000} s`)
        await sleep(delay, stopping.signal)
      }
    }
  }

  async function register(): Promise<void> {
    await persist('RegisterOnPremisesInstance', async () => {
      try {
        await codedeploy('RegisterOnPremisesInstance', { instanceName: options.name, iamUserArn: hostIdentifier })
        log('info', `registered on-premises instance ${options.name} as ${hostIdentifier}`)
      } catch (err) {
        if (!(err instanceof ServiceError) || err.code !== 'InstanceNameAlreadyRegisteredException') throw err
        // Registered before (maybe with another ARN by `aws deploy register-on-premises-instance`): use its ARN.
        try {
          const out = await codedeploy<{ instanceInfo?: { iamUserArn?: string; iamSessionArn?: string } }>('GetOnPremisesInstance', { instanceName: options.name })
          const arn = out.instanceInfo?.iamUserArn ?? out.instanceInfo?.iamSessionArn
          if (arn && arn !== hostIdentifier && options.hostIdentifier === undefined) hostIdentifier = arn
        } catch {
          // Keep the default identifier.
        }
      }
    })
    if (options.tags && options.tags.length > 0) {
      await persist('AddTagsToOnPremisesInstances', () => codedeploy('AddTagsToOnPremisesInstances', { instanceNames: [options.name], tags: options.tags }))
    }
  }

  async function runCommand(cmd: HostCommand): Promise<void> {
    const id = cmd.HostCommandIdentifier
    const event = cmd.CommandName
    const abort = new AbortController()
    const onStop = () => abort.abort()
    stopping.signal.addEventListener('abort', onStop, { once: true })
    const tail = new LogTail()
    const interrupted = (scriptName = '') =>
      new EventFailure(ErrorCode.UnknownError, stopping.signal.aborted ? `The agent stopped during ${event}` : `${event} was cancelled by the server`, scriptName)
    let currentScript = ''
    let heartbeat: NodeJS.Timeout | undefined
    let outcome: unknown
    let spec: DeploymentSpec | undefined
    try {
      const raw = await persist('GetDeploymentSpecification', () => commands('GetDeploymentSpecification', { DeploymentExecutionId: cmd.DeploymentExecutionId, HostIdentifier: hostIdentifier }, stopping.signal), 5)
      try {
        spec = await decodeDeploymentSpecification(raw)
      } catch (err) {
        outcome = err
      }
      const noop = spec ? isNoop(event, options.root, spec) : false
      const ack = await persist('PutHostCommandAcknowledgement', () =>
        commands<{ CommandStatus?: string }>('PutHostCommandAcknowledgement', { HostCommandIdentifier: id, Diagnostics: { Format: 'JSON', Payload: JSON.stringify({ IsCommandNoop: noop }) } }, stopping.signal), 5)
      if (ack.CommandStatus === 'Succeeded' || ack.CommandStatus === 'Failed') {
        log('info', `${event} (${id}) is already ${ack.CommandStatus}: not running it`)
        return
      }
      if (spec && outcome === undefined) {
        log('info', `${event} of ${spec.deploymentId} (${spec.applicationName}/${spec.deploymentGroupName}) starting`)
        heartbeat = setInterval(() => {
          const payload = JSON.stringify({ error_code: ErrorCode.Succeeded, script_name: currentScript, message: `${event} in progress`, log: tail.text() })
          commands<{ CommandStatus?: string }>('PostHostCommandUpdate', { HostCommandIdentifier: id, Diagnostics: { Format: 'JSON', Payload: payload } }, stopping.signal).then(
            (out) => {
              // The server gave up on this event (lease lost, deployment stopped): stop working on it.
              if (out.CommandStatus === 'Failed' || out.CommandStatus === 'Succeeded') abort.abort()
            },
            (err: unknown) => log('warn', `heartbeat for ${event} failed: ${(err as Error).message}`),
          )
        }, heartbeatMs)
        try {
          await runLifecycleEvent(event, {
            root: options.root,
            spec,
            s3: endpoint,
            tail,
            signal: abort.signal,
            onScript: (location) => (currentScript = location),
            ...(options.maxRevisions !== undefined ? { maxRevisions: options.maxRevisions } : {}),
            ...(options.killGraceSeconds !== undefined ? { killGraceMs: options.killGraceSeconds * 1000 } : {}),
          })
          if (abort.signal.aborted) outcome = interrupted()
        } catch (err) {
          outcome = abort.signal.aborted ? interrupted(err instanceof EventFailure ? err.scriptName : '') : err
        } finally {
          clearInterval(heartbeat)
        }
      }
      const diagnostics = diagnosticsFor(outcome, tail.text())
      const status = outcome === undefined ? 'Succeeded' : 'Failed'
      log(status === 'Succeeded' ? 'info' : 'warn', `${event}${spec ? ` of ${spec.deploymentId}` : ''}: ${status}${status === 'Failed' ? ` (${diagnostics.message})` : ''}`)
      // Reported even while stopping: one quick attempt, so the server need not wait for the lease.
      const report = () => commands('PutHostCommandComplete', { HostCommandIdentifier: id, CommandStatus: status, Diagnostics: { Format: 'JSON', Payload: JSON.stringify(diagnostics) } }, stopping.signal.aborted ? AbortSignal.timeout(2000) : undefined)
      await (stopping.signal.aborted ? report() : persist('PutHostCommandComplete', report, 8))
    } catch (err) {
      log('error', `host command ${id} (${event}): ${(err as Error).message}`)
    } finally {
      clearInterval(heartbeat)
      stopping.signal.removeEventListener('abort', onStop)
    }
  }

  function dispatch(cmd: HostCommand): void {
    // Commands of one deployment run in order; different deployments side by side.
    const key = cmd.DeploymentExecutionId.split('/').slice(0, 3).join('/')
    const previous = chains.get(key) ?? Promise.resolve()
    const task = previous.then(() => runCommand(cmd))
    chains.set(key, task)
    running.add(task)
    void task.finally(() => {
      running.delete(task)
      if (chains.get(key) === task) chains.delete(key)
    })
  }

  async function loop(): Promise<void> {
    await register()
    const backoff = new Backoff()
    let registered = true
    while (!stopping.signal.aborted) {
      if (running.size >= maxConcurrent) {
        await Promise.race(running)
        continue
      }
      if (!registered) {
        await register()
        registered = true
      }
      const started = Date.now()
      let out: { HostCommand?: HostCommand }
      try {
        out = await commands<{ HostCommand?: HostCommand }>('PollHostCommand', { HostIdentifier: hostIdentifier }, stopping.signal)
        backoff.reset()
      } catch (err) {
        if (stopping.signal.aborted) break
        // An unknown host: the instance was deregistered (or the server's data reset) — register again.
        if (err instanceof ServiceError && err.code === 'ClientException') registered = false
        const delay = backoff.next()
        log('warn', `PollHostCommand failed (${(err as Error).message}); retrying in ${delay / 1000} s`)
        await sleep(delay, stopping.signal)
        continue
      }
      const cmd = out.HostCommand
      if (!cmd) {
        // A server that does not long-poll must not be hammered.
        if (Date.now() - started < 1000) await sleep(1000, stopping.signal)
        continue
      }
      if (cmd.HostIdentifier !== undefined && cmd.HostIdentifier !== hostIdentifier) {
        log('warn', `ignoring host command ${cmd.HostCommandIdentifier} for another host (${cmd.HostIdentifier})`)
        continue
      }
      dispatch(cmd)
    }
    await Promise.allSettled([...running])
  }

  const done = loop().catch((err: unknown) => {
    if (stopping.signal.aborted) return
    stopping.abort()
    throw err
  })
  // Observed by callers through `done`; never an unhandled rejection.
  done.catch(() => {})

  return {
    get hostIdentifier() {
      return hostIdentifier
    },
    done,
    async stop() {
      stopping.abort()
      await done.catch(() => {})
    },
  }
}
