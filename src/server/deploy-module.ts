import type { FastifyInstance } from 'fastify'
import type { SlipwayConfig } from '../config/config.ts'
import type { Clock } from '../infra/clock.ts'
import type { Store } from '../infra/store.ts'
import type { EventBus } from '../events/bus.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import type { DeployContext } from '../deploy/service/context.ts'
import { DeploymentService } from '../deploy/service/deployments.ts'
import { AgentChannel } from '../deploy/service/agent-channel.ts'
import type { DeploymentRecord } from '../deploy/service/deployment-state.ts'
import { codeDeployApi } from '../deploy/api/codedeploy-api.ts'
import { deploymentHandlers } from '../deploy/api/deployment-handlers.ts'
import { agentChannelApi } from '../deploy/api/agent-channel-api.ts'
import { ensureDeploymentSigner } from '../infra/tls/private-ca.ts'
import { signPkcs7 } from '../infra/tls/pkcs7.ts'

export type DeployModuleDeps = { config: SlipwayConfig; clock: Clock; store: Store; bus: EventBus; objects: ObjectStore; agentLeaseMs: number }

/** The CodeDeploy context: API, the agent channel, the deployment service and its lease/reconcile tick. */
export function registerDeploy(app: FastifyInstance, deps: DeployModuleDeps) {
  let channel: AgentChannel | undefined
  // Made on the first deployment an agent asks for, not at every start (two RSA keys).
  let signer: ReturnType<typeof ensureDeploymentSigner> | undefined
  const ctx: DeployContext = {
    store: deps.store,
    clock: deps.clock,
    bus: deps.bus,
    objects: deps.objects,
    region: deps.config.region,
    accountId: deps.config.accountId,
    agentLeaseMs: deps.agentLeaseMs,
    wake: () => channel?.wake(),
    signSpecification: (json) => signPkcs7(json, (signer ??= ensureDeploymentSigner(deps.config.dataDir, deps.config.region))),
  }
  const deployments = new DeploymentService(ctx)
  channel = new AgentChannel(ctx, deployments)
  let timer: NodeJS.Timeout | undefined
  let ticking = false
  const tick = async () => {
    if (ticking) return
    ticking = true
    try {
      await channel!.expireLeases()
      await deployments.reconcileAll()
    } catch (err) {
      app.log.error({ err }, 'deployment tick')
    } finally {
      ticking = false
    }
  }
  return {
    deployments,
    api: codeDeployApi(ctx, deploymentHandlers(ctx, deployments)),
    agentApi: agentChannelApi(channel),
    findByAction: (actionExecutionId: string) => deps.store.deploy.deploymentByAction<DeploymentRecord>(actionExecutionId),
    async start() {
      await deployments.reconcileAll()
      timer = setInterval(() => void tick(), 1000)
    },
    stop() {
      if (timer) clearInterval(timer)
      channel?.close()
    },
  }
}
