import type { StoreSlice, SubStores } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { EventBus } from '../../events/bus.ts'
import type { ObjectStore } from '../../artifacts/ports.ts'
import { AwsError } from '../../shared/errors.ts'
import type { ApplicationRecord, DeploymentGroupRecord } from '../records.ts'

/** The deploy context's slice of the store. */
export type DeployStores = StoreSlice<'deploy' | 'jobs' | 'events' | 'tags'>
/** What a deploy transaction sees. */
export type DeployTx = Pick<SubStores, 'deploy' | 'jobs' | 'events'>

export type DeployContext = {
  store: DeployStores
  clock: Clock
  bus: EventBus
  objects: ObjectStore
  region: string
  accountId: string
  /** An agent that has not polled or reported for this long has its current event failed. */
  agentLeaseMs: number
  /** Wakes the deployment reconciler and long-polling agents. */
  wake: () => void
  /** Signs a deployment specification (JSON) into the `PKCS7/JSON` envelope agents accept. */
  signSpecification: (json: string) => string
}

const NAME = /^[A-Za-z0-9.@_+=,-]{1,100}$/

export const E = {
  appRequired: () => new AwsError('ApplicationNameRequiredException', 'The minimum number of required application names was not specified.'),
  appInvalid: (n: string) => new AwsError('InvalidApplicationNameException', `The application name ${n} is not valid.`),
  appMissing: (n: string) => new AwsError('ApplicationDoesNotExistException', `No application found for name: ${n}`),
  groupMissing: (n: string) => new AwsError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${n}`),
  groupInvalid: (n: string) => new AwsError('InvalidDeploymentGroupNameException', `The deployment group name ${n} is not valid.`),
  configMissing: (n: string) => new AwsError('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${n}`),
  deploymentMissing: (id: string) => new AwsError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`),
  instanceMissing: (n: string) => new AwsError('InstanceNotRegisteredException', `The on-premises instance ${n} is not registered.`),
}

export function checkName(name: string | undefined, invalid: (n: string) => AwsError, required: () => AwsError): string {
  if (!name) throw required()
  if (!NAME.test(name)) throw invalid(name)
  return name
}

export async function requireApplication(ctx: DeployContext, name: string): Promise<ApplicationRecord> {
  checkName(name, E.appInvalid, E.appRequired)
  const app = await ctx.store.deploy.application(name)
  if (!app) throw E.appMissing(name)
  return app
}

export async function requireGroup(ctx: DeployContext, app: string, name: string): Promise<DeploymentGroupRecord> {
  await requireApplication(ctx, app)
  checkName(name, E.groupInvalid, () => new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.'))
  const g = await ctx.store.deploy.group(app, name)
  if (!g) throw E.groupMissing(name)
  return g
}
