import type { DeployTx } from './context.ts'
import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { CreateDeploymentInput, RevisionLocation } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
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

/** The jobs an agent takes its host commands from: one queue per host. */
export const HOST_COMMAND = 'host-command'
export const hostCommandJobId = (commandId: string) => `${HOST_COMMAND}:${commandId}`

/** The lock every change of a deployment group (and of its deployments' bookkeeping on it) takes. */
export const groupLock = (applicationName: string, groupName: string) => `deployment-group:${applicationName}/${groupName}`

/** Runs inside a deployment's change, first; returning false leaves the deployment as it is. */
export type ChangeGuard = (tx: DeployTx) => Promise<boolean>

/**
 * Deployments: creation (targets from the group's tag filters; at most one active per group, checked
 * and inserted under the group's lock), the engine run per deployment under the deployment's and its
 * group's locks (in every process on the store), host commands for agents (a record and a job each)
 * and the group's bookkeeping written in the same transaction as the state, events after commit, and
 * automatic rollback.
 */
export class DeploymentService {
  readonly #ctx: DeployContext

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
    const revision = input.revision
    const key = revisionKey(revision)
    const config = await resolveConfig(this.#ctx, input.deploymentConfigName ?? group.deploymentConfigName)
    const hosts = (await this.#ctx.store.deploy.instances()).filter((i) => !i.deregisterTime && matchesTagFilters(i, group.onPremisesInstanceTagFilters)).map((i) => i.name)
    const created = await this.#ctx.store.transaction(async (tx) => {
      // A pipeline action run makes one deployment, however many times (and on whichever servers) it runs.
      const mine = pipelineAction ? await tx.deploy.deploymentByAction<DeploymentRecord>(pipelineAction.actionExecutionId) : undefined
      if (mine) return { id: mine.id, isNew: false }
      const id = newDeploymentId()
      const active = await tx.deploy.deployments<DeploymentRecord>({ applicationName: group.applicationName, groupName: group.name, statuses: ['Created', 'Queued', 'InProgress'] })
      if (active.length > 0) throw new AwsError('DeploymentLimitExceededException', `The deployment group ${group.name} already has an active deployment ${active[0]!.id}`)
      const current = (await tx.deploy.group(group.applicationName, group.name)) ?? group
      const now = this.#ctx.clock.now()
      const d: DeploymentRecord = {
        id,
        applicationName: group.applicationName,
        groupName: group.name,
        groupId: group.id,
        configName: config.name,
        minimumHealthyHosts: config.minimumHealthyHosts,
        revision,
        previousRevision: current.targetRevision,
        description: input.description,
        creator,
        fileExistsBehavior: input.fileExistsBehavior ?? 'DISALLOW',
        autoRollback: ((r) => (r ? { enabled: r.enabled ?? false, events: r.events ?? [] } : undefined))(input.autoRollbackConfiguration ?? group.autoRollbackConfiguration),
        rollbackInfo: rollbackOf ? { rollbackTriggeringDeploymentId: rollbackOf.id, rollbackMessage: `Rollback of ${rollbackOf.id}` } : undefined,
        pipelineAction,
        engine: newDeployment({ deploymentId: id, targetIds: hosts, now: now.getTime(), ignoreApplicationStopFailures: input.ignoreApplicationStopFailures ?? false }),
      }
      const existing = await tx.deploy.revision(group.applicationName, key)
      await tx.deploy.putRevision({ applicationName: group.applicationName, key, revision, description: existing?.description, registerTime: existing?.registerTime ?? now, firstUsedTime: existing?.firstUsedTime ?? now, lastUsedTime: now })
      await tx.deploy.insertDeployment(id, group.applicationName, group.name, d.engine.status, d.engine.createTime, d, pipelineAction?.actionExecutionId)
      return { id, isNew: true }
    }, { lock: groupLock(group.applicationName, group.name) })
    if (created.isNew) await this.advance(created.id)
    return created.id
  }

  /**
   * Runs `change` on the deployment, then the engine; persists state, host commands, events and (when
   * it ends) the group's bookkeeping in one transaction under the deployment's and its group's locks.
   * `guard` runs first in that transaction (it may claim or finish a job): false means "nothing to do".
   */
  async advance(id: string, change?: (d: DeploymentRecord, now: number) => void, guard?: ChangeGuard): Promise<DeploymentRecord> {
    const { applicationName, groupName } = await this.get(id)
    const result = await this.#ctx.store.transaction(async (tx) => {
      const loaded = await tx.deploy.deploymentForChange<DeploymentRecord>(id)
      if (!loaded) throw E.deploymentMissing(id)
      const d = loaded.value
      if (guard && !(await guard(tx))) return { d, finished: false, work: false }
      const before = d.engine.status
      const now = this.#ctx.clock.now().getTime()
      change?.(d, now)
      const config = { name: d.configName, minimumHealthyHosts: d.minimumHealthyHosts as MinimumHealthyHostsSpec }
      const r = reconcileDeployment(d.engine, config, now)
      d.engine = r.state
      const status = d.engine.status
      await tx.deploy.saveDeployment(d.id, status, d, loaded.revision)
      for (const c of r.commands) {
        const commandId = randomUUID()
        await tx.deploy.insertCommand({ id: commandId, deploymentId: d.id, host: c.targetId, event: c.lifecycleEvent, status: 'Pending', nonce: randomInt(1, 2 ** 47), createdAt: new Date(now), updatedAt: new Date(now) })
        await tx.jobs.enqueue({ id: hostCommandJobId(commandId), kind: HOST_COMMAND, queue: c.targetId, subjectId: commandId, at: new Date(now) })
      }
      const finished = before !== status && !isActive(d)
      if (before !== status) {
        await tx.events.append({ type: DEPLOYMENT_STATE_CHANGE, source: 'aws.codedeploy', resource: `arn:aws:codedeploy:${this.#ctx.region}:${this.#ctx.accountId}:deploymentgroup:${d.applicationName}/${d.groupName}`, detail: { deploymentId: d.id, application: d.applicationName, deploymentGroup: d.groupName, state: status.toUpperCase() }, at: new Date(now) })
      }
      const rollbackTo = finished ? await this.#recordOnGroup(tx, d) : undefined
      return { d, finished, work: r.commands.length > 0, rollbackTo }
    }, { lock: [`deployment:${id}`, groupLock(applicationName, groupName)] })
    await this.#ctx.bus.flush()
    if (result.work) this.#ctx.wake()
    if (result.rollbackTo) await this.#rollBack(result.d, result.rollbackTo)
    return result.d
  }

  /** Writes the ended deployment onto its group; returns the revision to roll back to, if the deployment asks for it. */
  async #recordOnGroup(tx: DeployTx, d: DeploymentRecord): Promise<RevisionLocation | undefined> {
    const group = await tx.deploy.group(d.applicationName, d.groupName)
    if (!group) return undefined
    const e = d.engine
    const summary = { deploymentId: d.id, status: e.status, endTime: e.completeTime, createTime: e.createTime }
    await tx.deploy.putGroup({ ...group, lastAttemptedDeployment: summary, ...(e.status === 'Succeeded' ? { lastSuccessfulDeployment: summary, targetRevision: d.revision } : {}) }, false)
    const wanted = e.status === 'Failed' ? d.autoRollback?.enabled && d.autoRollback.events.includes('DEPLOYMENT_FAILURE') : e.status === 'Stopped' && e.stop?.autoRollbackEnabled
    const target: RevisionLocation | undefined = group.targetRevision
    if (!wanted || !target || d.creator === 'codeDeployRollback' || revisionKey(target) === revisionKey(d.revision)) return undefined
    return target
  }

  /**
   * Automatic rollback once a deployment ended: a new deployment of the group's last good revision. A
   * crash right here leaves the failure as it is (never stuck), without the rollback.
   */
  async #rollBack(d: DeploymentRecord, target: RevisionLocation): Promise<void> {
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

  /** An agent's result for a lifecycle event; `guard` finishes its host command in the same transaction. */
  report(deploymentId: string, host: string, event: string, ok: boolean, diagnostics: EventDiagnostics, guard?: ChangeGuard): Promise<DeploymentRecord> {
    return this.advance(deploymentId, (d, now) => {
      d.engine = applyEventResult(d.engine, { targetId: host, lifecycleEvent: event as LifecycleEventName, status: ok ? 'Succeeded' : 'Failed', diagnostics }, now).state
    }, guard)
  }

  /** The host's agent stopped answering during an event: the event fails (the engine decides the rest). */
  agentLost(deploymentId: string, host: string, event: string, guard?: ChangeGuard): Promise<DeploymentRecord> {
    return this.advance(deploymentId, (d, now) => {
      d.engine = applyLeaseExpiry(d.engine, { targetId: host, lifecycleEvent: event as LifecycleEventName }, now).state
    }, guard)
  }

  async reconcileAll(): Promise<void> {
    for (const d of await this.#ctx.store.deploy.activeDeployments<DeploymentRecord>()) await this.advance(d.id)
  }
}
