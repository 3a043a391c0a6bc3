/**
 * The Slipway deploy agent (`slipway agent`): a CodeDeploy on-premises agent speaking AWS's own agent
 * protocol (`CodeDeployCommandService_v20141006`). `startAgent` runs one in-process.
 */
export { startAgent, defaultHostIdentifier } from './agent.ts'
export type { AgentHandle, AgentLogLevel, AgentOptions } from './agent.ts'
export { parseTags } from './options.ts'
