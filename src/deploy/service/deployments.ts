import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { CreateDeploymentInput, RevisionLocation } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import { KeyedMutex } from '../../shared/keyed-mutex.ts'
import type { DeployContext } from './context.ts'
import { E, requireApplication, requireGroup } from './context.ts'
import { resolveConfig } from './configs.ts'
import { matchesTagFilters } from './instances.ts'
import { revisionKey } from './revisions.ts'
import type { DeploymentRecord } from './deployment-state.ts'
import { isActive } from './deployment-state.ts'
import { newDeployment, applyEventResult, applyLeaseExpiry } from '../model/deployment-commands.ts'
import { reconcileDeployment, requestStop } from '../model/deployment-engine.ts'
import type { MinimumHealthyHostsSpec } from '../model/deployment-config.ts'
import type { EventDiagnostics, LifecycleEventName } from '../model/lifecycle.ts'

export const DEPLOYMENT_STATE_CHANGE = 'codedeploy.DeploymentStateChange'
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const newDeploymentId = () => `d-${Array.from(randomBytes(9), (b) => ALNUM[b % ALNUM.length]).join('')}`

/**
 * Deployments: creation (targets from the group's tag filters), the engine run per deployment
 * (serialised), host commands for agents written in the same transaction as the state, events after
 * commit, bookkeeping on the group, and automatic rollback.
 */
export class DeploymentService {
  readonly #ctx: DeployContext
  readonly #lock = new KeyedMutex()

  constructor(ctx: DeployContext) {
    this.#ctx = ctx
  }

  async get(id: string): Promise<DeploymentRecord> {
    if (!id) throw new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.')
    const d = await this.#ctx.store.deploy.deployment<DeploymentRecord>(id)
    if (!d) throw E.deploymentMissing(id)
    return d
  }

  async create(input: CreateDeploymentInput, creator = 'user', rollbackOf?: DeploymentRecord, pipelineAction?: DeploymentRecord['pipelineAction']): Promise<string> {
    await requireApplication(this.#ctx, input.applicationName)
    if (!input.deploymentGroupName) throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.')
    const group = await requireGroup(this.#ctx, input.applicationName, input.deploymentGroupName)
    if (!input.revision) throw new AwsError('RevisionRequiredException', 'The revision ID was not specified.')
    const key = revisionKey(input.revision)
    const config = await resolveConfig(this.#ctx, input.deploymentConfigName ?? group.deploymentConfigName)
    const active = (await this.#ctx.store.deploy.deployments<DeploymentRecord>({ applicationName: group.applicationName, groupName: group.name, statuses: ['Created', 'InProgress'] }))
    if (active.length > 0) throw new AwsError('DeploymentLimitExceededException', `The deployment group ${group.name} already has an active deployment ${active[0]!.id}`)
    const hosts = (await this.#ctx.store.deploy.instances()).filter((i) => !i.deregisterTime && matchesTagFilters(i, group.onPremisesInstanceTagFilters)).map((i) => i.name)
    const now = this.#ctx.clock.now()
    const id = newDeploymentId()
    const d: DeploymentRecord = {
      id,
      applicationName: group.applicationName,
      groupName: group.name,
      groupId: group.id,
      configName: config.name,
      minimumHealthyHosts: config.minimumHealthyHosts,
      revision: input.revision,
      previousRevision: group.targetRevision,
      description: input.description,
      creator,
      fileExistsBehavior: input.fileExistsBehavior ?? 'DISALLOW',
      autoRollback: ((r) => (r ? { enabled: r.enabled ?? false, events: r.events ?? [] } : undefined))(input.autoRollbackConfiguration ?? group.autoRollbackConfiguration),
      rollbackInfo: rollbackOf ? { rollbackTriggeringDeploymentId: rollbackOf.id, rollbackMessage: `Rollback of ${rollbackOf.id}` } : undefined,
      pipelineAction,
      engine: newDeployment({ deploymentId: id, targetIds: hosts, now: now.getTime(), ignoreApplicationStopFailures: input.ignoreApplicationStopFailures ?? false }),
    }
    const existing = await this.#ctx.store.deploy.revision(group.applicationName, key)
    await this.#ctx.store.deploy.putRevision({ applicationName: group.applicationName, key, revision: input.revision, description: existing?.description, registerTime: existing?.registerTime ?? now, firstUsedTime: existing?.firstUsedTime ?? now, lastUsedTime: now })
    await this.#ctx.store.deploy.insertDeployment(id, group.applicationName, group.name, d.engine.status, d.engine.createTime, d)
    await this.advance(id)
    return id
  }

  /** Runs `change` on the deployment, then the engine; persists state + host commands + events in one transaction. */
  async advance(id: string, change?: (d: DeploymentRecord, now: number) => void): Promise<DeploymentRecord> {
    const result = await this.#lock.run(id, async () => {
      const d = await this.get(id)
      const before = d.engine.status
      const now = this.#ctx.clock.now().getTime()
      change?.(d, now)
      const config = { name: d.configName, minimumHealthyHosts: d.minimumHealthyHosts as MinimumHealthyHostsSpec }
      const r = reconcileDeployment(d.engine, config, now)
      d.engine = r.state
      const status = d.engine.status
      await this.#ctx.store.transaction(async (tx) => {
        await tx.deploy.saveDeployment(d.id, status, d)
        for (const c of r.commands) {
          await tx.deploy.insertCommand({ id: randomUUID(), deploymentId: d.id, host: c.targetId, event: c.lifecycleEvent, status: 'Pending', nonce: randomInt(1, 2 ** 47), createdAt: new Date(now), updatedAt: new Date(now) })
        }
        if (before !== status) {
          await tx.events.append({ type: DEPLOYMENT_STATE_CHANGE, source: 'aws.codedeploy', resource: `arn:aws:codedeploy:${this.#ctx.region}:${this.#ctx.accountId}:deploymentgroup:${d.applicationName}/${d.groupName}`, detail: { deploymentId: d.id, application: d.applicationName, deploymentGroup: d.groupName, state: status.toUpperCase() }, at: new Date(now) })
        }
      })
      return { d, finished: before !== status && !isActive(d), work: r.commands.length > 0 }
    })
    if (result.finished) await this.#finished(result.d)
    await this.#ctx.bus.flush()
    if (result.work) this.#ctx.wake()
    return result.d
  }

  /** Group bookkeeping and automatic rollback once a deployment ends. */
  async #finished(d: DeploymentRecord): Promise<void> {
    const group = await this.#ctx.store.deploy.group(d.applicationName, d.groupName)
    if (!group) return
    const e = d.engine
    const summary = { deploymentId: d.id, status: e.status, endTime: e.completeTime, createTime: e.createTime }
    await this.#ctx.store.deploy.putGroup({ ...group, lastAttemptedDeployment: summary, ...(e.status === 'Succeeded' ? { lastSuccessfulDeployment: summary, targetRevision: d.revision } : {}) }, false)
    const wanted = e.status === 'Failed' ? d.autoRollback?.enabled && d.autoRollback.events.includes('DEPLOYMENT_FAILURE') : e.status === 'Stopped' && e.stop?.autoRollbackEnabled
    const target: RevisionLocation | undefined = group.targetRevision
    if (!wanted || !target || d.creator === 'codeDeployRollback' || revisionKey(target) === revisionKey(d.revision)) return
    const rollbackId = await this.create({ applicationName: d.applicationName, deploymentGroupName: d.groupName, revision: target, description: `Rollback of ${d.id}`, fileExistsBehavior: 'OVERWRITE' }, 'codeDeployRollback', d)
    await this.advance(d.id, (x) => {
      x.rollbackInfo = { ...x.rollbackInfo, rollbackDeploymentId: rollbackId, rollbackMessage: `Rolled back by ${rollbackId}` }
    })
  }

  async stop(id: string, rollback: boolean): Promise<{ status: 'Pending' | 'Succeeded'; statusMessage: string }> {
    let answer: { status: 'Pending' | 'Succeeded'; statusMessage: string } = { status: 'Pending', statusMessage: '' }
    await this.advance(id, (x, now) => {
      const r = requestStop(x.engine, { autoRollbackEnabled: rollback }, now)
      x.engine = r.state
      answer = { status: r.status, statusMessage: r.statusMessage }
    })
    return answer
  }

  /** An agent's result for a lifecycle event. */
  report(deploymentId: string, host: string, event: string, ok: boolean, diagnostics: EventDiagnostics): Promise<DeploymentRecord> {
    return this.advance(deploymentId, (d, now) => {
      d.engine = applyEventResult(d.engine, { targetId: host, lifecycleEvent: event as LifecycleEventName, status: ok ? 'Succeeded' : 'Failed', diagnostics }, now).state
    })
  }

  /** The host's agent stopped answering during an event: the event fails (the engine decides the rest). */
  agentLost(deploymentId: string, host: string, event: string): Promise<DeploymentRecord> {
    return this.advance(deploymentId, (d, now) => {
      d.engine = applyLeaseExpiry(d.engine, { targetId: host, lifecycleEvent: event as LifecycleEventName }, now).state
    })
  }

  async reconcileAll(): Promise<void> {
    for (const d of await this.#ctx.store.deploy.activeDeployments<DeploymentRecord>()) await this.advance(d.id)
  }
}
