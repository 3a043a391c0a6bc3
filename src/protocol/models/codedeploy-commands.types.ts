// Types for the CodeDeploy agent channel (models/codedeploy-commands.json). Hand-maintained: this
// service is not in botocore; see the JSON model's header.
export type Timestamp = number | Date
export type Envelope = { Format?: string; Payload?: string }
export type CommandStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed'
export type HostCommandInstance = { HostCommandIdentifier?: string; HostIdentifier?: string; DeploymentExecutionId?: string; CommandName?: string; Nonce?: number }
export type Operations = {
  PollHostCommand: { input: { HostIdentifier: string }; output: { HostCommand?: HostCommandInstance } }
  PutHostCommandAcknowledgement: { input: { HostCommandIdentifier: string; Diagnostics?: Envelope }; output: { CommandStatus?: CommandStatus } }
  GetDeploymentSpecification: { input: { DeploymentExecutionId: string; HostIdentifier: string }; output: { DeploymentSystem?: string; DeploymentSpecification?: { GenericEnvelope?: Envelope; VariantId?: string; VariantEnvelope?: Envelope } } }
  PutHostCommandComplete: { input: { HostCommandIdentifier: string; CommandStatus: CommandStatus; Diagnostics?: Envelope }; output: Record<string, never> }
  PostHostCommandUpdate: { input: { HostCommandIdentifier: string; EstimatedCompletionTime?: Timestamp; Diagnostics?: Envelope }; output: { CommandStatus?: CommandStatus } }
}
