import type { AwsJsonService } from '../../protocol/aws-json/operation-table.ts'
import type { Operations } from '../../protocol/models/codedeploy-commands.types.ts'
import type { AgentChannel } from '../service/agent-channel.ts'

/** CodeDeployCommandService_v20141006, the agents' own protocol (see api-surface 4.5). */
export function agentChannelApi(channel: AgentChannel): AwsJsonService<Operations> {
  return {
    model: 'codedeploy-commands',
    handlers: {
      PollHostCommand: async (i, call) => channel.poll(i.HostIdentifier, call.signal),
      PutHostCommandAcknowledgement: async (i) => channel.acknowledge(i.HostCommandIdentifier),
      GetDeploymentSpecification: async (i) => channel.specification(i.DeploymentExecutionId, i.HostIdentifier),
      PutHostCommandComplete: async (i) => channel.complete(i.HostCommandIdentifier, i.CommandStatus, i.Diagnostics?.Payload),
      PostHostCommandUpdate: async (i) => channel.heartbeat(i.HostCommandIdentifier),
    },
  }
}
