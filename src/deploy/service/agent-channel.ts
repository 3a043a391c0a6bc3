import { EventEmitter } from 'node:events'
import { AwsError } from '../../shared/errors.ts'
import type { HostCommandRecord } from '../records.ts'
import type { DeployContext } from './context.ts'
import type { DeploymentService } from './deployments.ts'
import type { DeploymentRecord } from './deployment-state.ts'
import { IN_PLACE_EVENTS, agentDiagnostics } from '../model/lifecycle.ts'

const LONG_POLL_MS = 20_000

const clientError = (message: string) => new AwsError('ClientException', message)

/**
 * The server side of the CodeDeploy agent channel (CodeDeployCommandService_v20141006): agents
 * long-poll for host commands, acknowledge, fetch the deployment specification, heartbeat, and report.
 * A command whose agent stops answering fails with its lease (seconds), never hangs.
 */
export class AgentChannel {
  readonly #ctx: DeployContext
  readonly #deployments: DeploymentService
  readonly #wakeups = new EventEmitter()

  constructor(ctx: DeployContext, deployments: DeploymentService) {
    this.#ctx = ctx
    this.#deployments = deployments
    this.#wakeups.setMaxListeners(0)
  }

  /** New commands may be waiting: wake long-polling agents. */
  wake(): void {
    this.#wakeups.emit('work')
  }

  async #host(hostIdentifier: string) {
    const instance = (await this.#ctx.store.deploy.instanceByArn(hostIdentifier)) ?? (await this.#ctx.store.deploy.instance(hostIdentifier))
    if (!instance || instance.deregisterTime) throw clientError(`No registered on-premises instance has the host identifier ${hostIdentifier}`)
    return instance
  }

  async poll(hostIdentifier: string, signal?: AbortSignal) {
    const instance = await this.#host(hostIdentifier)
    const deadline = Date.now() + LONG_POLL_MS
    for (;;) {
      await this.#ctx.store.deploy.touchInstance(instance.name, this.#ctx.clock.now())
      const next = await this.#ctx.store.deploy.nextCommand(instance.name)
      if (next) {
        const now = this.#ctx.clock.now()
        await this.#ctx.store.deploy.saveCommand({ ...next, status: 'Dispatched', updatedAt: now, leaseExpiresAt: new Date(now.getTime() + this.#ctx.agentLeaseMs) })
        const d = await this.#deployments.get(next.deploymentId)
        return { HostCommand: { HostCommandIdentifier: next.id, HostIdentifier: hostIdentifier, DeploymentExecutionId: `${d.applicationName}/${d.groupId}/${d.id}/${next.id}`, CommandName: next.event, Nonce: next.nonce } }
      }
      const left = deadline - Date.now()
      if (left <= 0 || signal?.aborted) return {}
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.#wakeups.off('work', done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(left, 1000))
        this.#wakeups.on('work', done)
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
    const now = this.#ctx.clock.now()
    await this.#ctx.store.deploy.saveCommand({ ...c, status: 'InProgress', updatedAt: now, leaseExpiresAt: new Date(now.getTime() + this.#ctx.agentLeaseMs) })
    return { CommandStatus: 'InProgress' as const }
  }

  async heartbeat(id: string) {
    const c = await this.#command(id)
    if (c.status === 'Succeeded' || c.status === 'Failed') return { CommandStatus: c.status }
    const now = this.#ctx.clock.now()
    await this.#ctx.store.deploy.saveCommand({ ...c, updatedAt: now, leaseExpiresAt: new Date(now.getTime() + this.#ctx.agentLeaseMs) })
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
      Revision: d.revision.revisionType === 'S3'
        ? { RevisionType: 'S3', S3Revision: { Bucket: s3?.bucket, Key: s3?.key, BundleType: s3?.bundleType ?? 'zip', Version: s3?.version, ETag: s3?.eTag } }
        : { RevisionType: 'GitHub', GitHubRevision: { Account: 'slipway', Repository: d.revision.gitHubLocation?.repository, CommitId: d.revision.gitHubLocation?.commitId, BundleType: 'zip' } },
      AgentActionOverrides: { AgentOverrides: { FileExistsBehavior: d.fileExistsBehavior } },
      AllPossibleLifecycleEvents: [...IN_PLACE_EVENTS],
    }
    return { DeploymentSystem: 'CodeDeploy', DeploymentSpecification: { GenericEnvelope: { Format: 'TEXT/JSON', Payload: JSON.stringify(payload) } } }
  }

  async complete(id: string, status: 'Succeeded' | 'Failed' | string, diagnosticsPayload?: string) {
    const c = await this.#command(id)
    if (c.status === 'Succeeded' || c.status === 'Failed') return {}
    const ok = status === 'Succeeded'
    await this.#ctx.store.deploy.saveCommand({ ...c, status: ok ? 'Succeeded' : 'Failed', updatedAt: this.#ctx.clock.now(), leaseExpiresAt: undefined })
    await this.#deployments.report(c.deploymentId, c.host, c.event, ok, agentDiagnostics(diagnosticsPayload, ok))
    return {}
  }

  /**
   * Fails the events of agents that stopped answering: a dispatched command whose lease expired, or a
   * pending one whose host has not polled within the lease (a dead agent never picks it up).
   */
  async expireLeases(): Promise<void> {
    const now = this.#ctx.clock.now()
    const silent = async (c: HostCommandRecord) => {
      const seen = (await this.#ctx.store.deploy.instance(c.host))?.lastSeen?.getTime() ?? 0
      return now.getTime() - Math.max(seen, c.createdAt.getTime()) > this.#ctx.agentLeaseMs
    }
    const stale = [...(await this.#ctx.store.deploy.expiredCommands(now))]
    for (const c of await this.#ctx.store.deploy.pendingCommands()) if (await silent(c)) stale.push(c)
    for (const c of stale) {
      await this.#ctx.store.deploy.saveCommand({ ...c, status: 'Failed', updatedAt: this.#ctx.clock.now(), leaseExpiresAt: undefined })
      await this.#deployments.agentLost(c.deploymentId, c.host, c.event)
    }
  }
}
