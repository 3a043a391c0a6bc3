import type { Revisioned } from '../pipeline/records.ts'
import type { AutoRollbackConfiguration, RevisionLocation, TagFilter, DeploymentStyle, MinimumHealthyHosts } from '../protocol/models/codedeploy.types.ts'

export type ApplicationRecord = { name: string; id: string; computePlatform: string; createdAt: Date }

export type DeploymentGroupRecord = {
  applicationName: string
  name: string
  id: string
  deploymentConfigName: string
  onPremisesInstanceTagFilters: TagFilter[]
  serviceRoleArn: string
  autoRollbackConfiguration?: AutoRollbackConfiguration
  deploymentStyle?: DeploymentStyle
  targetRevision?: RevisionLocation
  lastSuccessfulDeployment?: { deploymentId: string; status: string; endTime?: number; createTime: number }
  lastAttemptedDeployment?: { deploymentId: string; status: string; endTime?: number; createTime: number }
}

export type DeploymentConfigRecord = { name: string; id: string; minimumHealthyHosts: MinimumHealthyHosts; createdAt: number }

export type RevisionRecord = {
  applicationName: string
  key: string
  revision: RevisionLocation
  description?: string
  registerTime: Date
  firstUsedTime?: Date
  lastUsedTime?: Date
}

export type InstanceRecord = { name: string; iamArn: string; registerTime: Date; deregisterTime?: Date; tags: { Key: string; Value: string }[]; lastSeen?: Date }

export type HostCommandRecord = {
  id: string
  deploymentId: string
  host: string
  event: string
  status: 'Pending' | 'Dispatched' | 'InProgress' | 'Succeeded' | 'Failed'
  nonce: number
  createdAt: Date
  updatedAt: Date
}

/** The store port of the deploy context. `state` of a deployment is the engine's JSON. */
export interface DeployStore {
  insertApplication(a: ApplicationRecord): Promise<boolean>
  application(name: string): Promise<ApplicationRecord | undefined>
  applications(): Promise<ApplicationRecord[]>
  deleteApplication(name: string): Promise<void>

  putGroup(g: DeploymentGroupRecord, isNew: boolean): Promise<boolean>
  group(applicationName: string, name: string): Promise<DeploymentGroupRecord | undefined>
  groups(applicationName: string): Promise<DeploymentGroupRecord[]>
  deleteGroup(applicationName: string, name: string): Promise<void>
  renameGroup(applicationName: string, from: string, g: DeploymentGroupRecord): Promise<void>

  insertConfig(c: DeploymentConfigRecord): Promise<boolean>
  config(name: string): Promise<DeploymentConfigRecord | undefined>
  configs(): Promise<DeploymentConfigRecord[]>
  deleteConfig(name: string): Promise<boolean>

  putRevision(r: RevisionRecord): Promise<void>
  revision(applicationName: string, key: string): Promise<RevisionRecord | undefined>
  revisions(applicationName: string): Promise<RevisionRecord[]>

  /** `actionExecutionId`: the pipeline action run the deployment belongs to (one per run). */
  insertDeployment(id: string, applicationName: string, groupName: string, status: string, createTime: number, state: unknown, actionExecutionId?: string): Promise<void>
  deploymentByAction<T>(actionExecutionId: string): Promise<T | undefined>
  /** Guarded save: only if the stored revision is still `revision`; otherwise `TransactionConflict`. */
  saveDeployment(id: string, status: string, state: unknown, revision: number): Promise<void>
  deployment<T>(id: string): Promise<T | undefined>
  deploymentForChange<T>(id: string): Promise<Revisioned<T> | undefined>
  deployments<T>(filter: { applicationName?: string; groupName?: string; statuses?: string[] }): Promise<T[]>
  activeDeployments<T>(): Promise<T[]>

  putInstance(i: InstanceRecord): Promise<void>
  instance(name: string): Promise<InstanceRecord | undefined>
  instanceByArn(arn: string): Promise<InstanceRecord | undefined>
  instances(): Promise<InstanceRecord[]>
  touchInstance(name: string, at: Date): Promise<void>

  /** A host command's record (what the agent API shows); the work itself is a `host-command` job. */
  insertCommand(c: HostCommandRecord): Promise<void>
  command(id: string): Promise<HostCommandRecord | undefined>
  saveCommand(c: HostCommandRecord): Promise<void>
  commandsOf(deploymentId: string): Promise<HostCommandRecord[]>
}
