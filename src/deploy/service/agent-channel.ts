import type { DeployTx } from './context.ts'
import { EventEmitter } from 'node:events'
import { AwsError } from '../../shared/errors.ts'
import type { HostCommandRecord } from '../records.ts'
import type { DeployContext } from './context.ts'
import { HOST_COMMAND, hostCommandJobId, type DeploymentService } from './deployments.ts'
import type { Job } from '../../infra/jobs.ts'
import type { DeploymentRecord } from './deployment-state.ts'
import { agentDiagnostics } from '../model/lifecycle.ts'

const LONG_POLL_MS = 20_000
/** CodeDeploy's limit on one lifecycle event: an event still running after this fails. */
const EVENT_LIMIT_MS = 3_600_000

const clientError = (message: string) => new AwsError('ClientException', message)

/** The signal that wakes agents long-polling any server: a host has new commands. */
const HOST_COMMANDS_SIGNAL = 'host-commands'

const agentOwner = (host: string) => `agent:${host}`

/**
 * The server side of the CodeDeploy agent channel (CodeDeployCommandService_v20141006): agents
 * long-poll for host commands, acknowledge, fetch the deployment specification, heartbeat, and report.
 * Each host command's work is a `host-command` job in the host's queue: a poll claims it (one
 * conditional update, so two agents or two servers never hand out the same command), acknowledge and
 * heartbeat extend its lease, the report finishes it in the same transaction as the deployment's
 * change. A command whose agent stops answering fails with its lease (seconds), never hangs; every
 * server runs that check, and only one of them fails each command.
 */
export class AgentChannel {
  readonly #ctx: DeployContext
  readonly #deployments: DeploymentService
  readonly #wakeups = new EventEmitter()
  readonly #unlisten: () => void

  constructor(ctx: DeployContext, deployments: DeploymentService) {
    this.#ctx = ctx
    this.#deployments = deployments
    this.#wakeups.setMaxListeners(0)
    this.#unlisten = ctx.store.signals.listen(HOST_COMMANDS_SIGNAL, () => this.#wakeups.emit('work'))
  }

  /** New commands may be waiting: wake long-polling agents, on every server. */
  wake(): void {
    this.#ctx.store.signals.send(HOST_COMMANDS_SIGNAL)
  }

  close(): void {
    this.#unlisten()
  }

  async #host(hostIdentifier: string) {
    const instance = (await this.#ctx.store.deploy.instanceByArn(hostIdentifier)) ?? (await this.#ctx.store.deploy.instance(hostIdentifier))
    if (!instance || instance.deregisterTime) throw clientError(`No registered on-premises instance has the host identifier ${hostIdentifier}`)
    return instance
  }

  #lease(now: Date): Date {
    return new Date(now.getTime() + this.#ctx.agentLeaseMs)
  }

  /** Claims the host's oldest waiting command and marks its record Dispatched, in one transaction. */
  #claim(host: string): Promise<HostCommandRecord | undefined> {
    return this.#ctx.store.transaction(async (tx) => {
      const now = this.#ctx.clock.now()
      const job = await tx.jobs.claim(HOST_COMMAND, agentOwner(host), now, this.#lease(now), host)
      const c = job && (await tx.deploy.command(job.subjectId))
      if (!c) return undefined
      const dispatched = { ...c, status: 'Dispatched' as const, updatedAt: now }
      await tx.deploy.saveCommand(dispatched)
      return dispatched
    })
  }

  async poll(hostIdentifier: string, signal?: AbortSignal) {
    const instance = await this.#host(hostIdentifier)
    const deadline = Date.now() + LONG_POLL_MS
    for (;;) {
      // A caller that hung up is not polling: it is not seen, and it gets no command nobody would run.
      if (signal?.aborted) return {}
      await this.#ctx.store.deploy.touchInstance(instance.name, this.#ctx.clock.now())
      const next = await this.#claim(instance.name)
      if (next) {
        const d = await this.#deployments.get(next.deploymentId)
        return { HostCommand: { HostCommandIdentifier: next.id, HostIdentifier: hostIdentifier, DeploymentExecutionId: `${d.applicationName}/${d.groupId}/${d.id}/${next.id}`, CommandName: next.event, Nonce: next.nonce } }
      }
      const left = deadline - Date.now()
      if (left <= 0) return {}
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.#wakeups.off('work', done)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(left, 1000))
        this.#wakeups.on('work', done)
        signal?.addEventListener('abort', done, { once: true })
      })
    }
  }

  async #command(id: string): Promise<HostCommandRecord> {
    const c = await this.#ctx.store.deploy.command(id)
    if (!c) throw clientError(`No host command ${id}`)
    return c
  }

  async acknowledge(id: string) {
    const c = await this.#command(id)
    if (c.status === 'Succeeded' || c.status === 'Failed') return { CommandStatus: c.status }
    const acknowledged = await this.#ctx.store.transaction(async (tx) => {
      const now = this.#ctx.clock.now()
      if (!(await tx.jobs.renew(hostCommandJobId(id), agentOwner(c.host), this.#lease(now), now, 'acknowledged'))) return false
      await tx.deploy.saveCommand({ ...c, status: 'InProgress', updatedAt: now })
      return true
    })
    if (acknowledged) return { CommandStatus: 'InProgress' as const }
    const now = (await this.#command(id)).status
    return { CommandStatus: now === 'Dispatched' ? ('Pending' as const) : now }
  }

  async heartbeat(id: string) {
    const c = await this.#command(id)
    if (c.status === 'Succeeded' || c.status === 'Failed') return { CommandStatus: c.status }
    const now = this.#ctx.clock.now()
    await this.#ctx.store.jobs.renew(hostCommandJobId(id), agentOwner(c.host), this.#lease(now), now)
    return { CommandStatus: c.status === 'Dispatched' ? ('Pending' as const) : ('InProgress' as const) }
  }

  async specification(deploymentExecutionId: string, hostIdentifier: string) {
    await this.#host(hostIdentifier)
    const deploymentId = deploymentExecutionId.split('/')[2] ?? ''
    const d: DeploymentRecord = await this.#deployments.get(deploymentId)
    const s3 = d.revision.s3Location
    const payload = {
      DeploymentId: d.id,
      DeploymentGroupId: d.groupId,
      DeploymentGroupName: d.groupName,
      ApplicationName: d.applicationName,
      DeploymentCreator: d.creator,
      DeploymentType: 'IN_PLACE',
      AppSpecFilename: 'appspec.yml',
      Revision: { RevisionType: 'S3', S3Revision: { Bucket: s3?.bucket, Key: s3?.key, BundleType: s3?.bundleType ?? 'zip', Version: s3?.version, ETag: s3?.eTag } },
      AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: d.fileExistsBehavior } },
      // No AllPossibleLifecycleEvents: AWS sends none for Server deployments, and the CodeDeploy
      // agent refuses an appspec naming events outside that list.
    }
    return { DeploymentSystem: 'CodeDeploy', DeploymentSpecification: { GenericEnvelope: { Format: 'PKCS7/JSON', Payload: this.#ctx.signSpecification(JSON.stringify(payload)) } } }
  }

  async complete(id: string, status: 'Succeeded' | 'Failed' | string, diagnosticsPayload?: string) {
    const c = await this.#command(id)
    if (c.status === 'Succeeded' || c.status === 'Failed') return {}
    const ok = status === 'Succeeded'
    await this.#deployments.report(c.deploymentId, c.host, c.event, ok, agentDiagnostics(diagnosticsPayload, ok), (tx) => this.#finish(tx, c, ok ? 'Succeeded' : 'Failed'))
    return {}
  }

  /** Finishes a command's job and record, once: false when it already ended (reported, or failed by its lease). */
  async #finish(tx: DeployTx, c: HostCommandRecord, status: 'Succeeded' | 'Failed'): Promise<boolean> {
    const now = this.#ctx.clock.now()
    if (!(await tx.jobs.complete(hostCommandJobId(c.id), undefined, status === 'Succeeded' ? 'done' : 'failed', now))) return false
    await tx.deploy.saveCommand({ ...c, status, updatedAt: now })
    return true
  }

  /**
   * Fails the events of agents that stopped answering: a claimed command whose lease expired, or a
   * waiting one whose host has not polled within the lease (a dead agent never picks it up). An
   * acknowledged command whose host keeps polling is alive without heartbeats (AWS's CodeDeploy agent
   * never sends them), up to CodeDeploy's one-hour limit per lifecycle event.
   */
  async expireLeases(): Promise<void> {
    const now = this.#ctx.clock.now()
    const lastSeen = async (host: string) => (await this.#ctx.store.deploy.instance(host))?.lastSeen?.getTime() ?? 0
    const silent = async (job: Job) => {
      const c = await this.#ctx.store.deploy.command(job.subjectId)
      const seen = c ? await lastSeen(c.host) : 0
      return now.getTime() - Math.max(seen, job.createdAt.getTime()) > this.#ctx.agentLeaseMs
    }
    const stale: Job[] = []
    for (const job of await this.#ctx.store.jobs.expired(HOST_COMMAND, now)) {
      const c = await this.#ctx.store.deploy.command(job.subjectId)
      // Polling: seen within half a lease (a live agent's poll touches the host every second; a
      // dead agent's last poll ended with its connection).
      const polling = c?.status === 'InProgress' && now.getTime() - (await lastSeen(c.host)) <= this.#ctx.agentLeaseMs / 2
      if (polling && c && job.owner && now.getTime() - c.updatedAt.getTime() < EVENT_LIMIT_MS) await this.#ctx.store.jobs.renew(job.id, job.owner, this.#lease(now), now)
      else stale.push(job)
    }
    for (const job of await this.#ctx.store.jobs.queued(HOST_COMMAND)) if (await silent(job)) stale.push(job)
    for (const job of stale) {
      const c = await this.#ctx.store.deploy.command(job.subjectId)
      if (c) await this.#deployments.agentLost(c.deploymentId, c.host, c.event, (tx) => this.#lose(tx, c, job))
    }
  }

  /**
   * Fails a command whose agent went silent, only as it was seen: still waiting, or still claimed by
   * the same lease (an agent that came back meanwhile keeps it), and only on one server.
   */
  async #lose(tx: DeployTx, c: HostCommandRecord, seen: Job): Promise<boolean> {
    const now = this.#ctx.clock.now()
    const failed = seen.status === 'queued' ? await tx.jobs.cancelQueued(seen.id, now) : await tx.jobs.failExpired(seen, now)
    if (!failed) return false
    await tx.deploy.saveCommand({ ...c, status: 'Failed', updatedAt: now })
    return true
  }
}
