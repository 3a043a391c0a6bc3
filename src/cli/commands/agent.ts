import os from 'node:os'
import path from 'node:path'
import { buildConfig } from '../../config/config.ts'
import { startAgent } from '../../agent/agent.ts'
import { parseTags } from '../../agent/options.ts'
import { credentialChain, runningServerUrl } from './server-access.ts'
import type { CommandArgs } from '../main.ts'
import { foregroundWorker } from './stop-on-signals.ts'

const USAGE =
  'slipway: usage: slipway agent --root DIR [--server URL] [--name NAME] [--tags k=v,k2=v2] [--region R]\n' +
  '                [--heartbeat-seconds N] [--data-dir DIR]  (credentials: the AWS chain — env, AWS_PROFILE / AWS_SHARED_CREDENTIALS_FILE — or --data-dir)\n'

/**
 * `slipway agent`: the deploy agent for this host, in the foreground until SIGTERM/SIGINT (which
 * abandon a running lifecycle event: its scripts are killed and it is reported Failed). Returns -1.
 */
export async function agentCommand({ values }: CommandArgs): Promise<number> {
  const dataDirGiven = values['data-dir'] as string | undefined
  const config = buildConfig({ dataDir: dataDirGiven, region: values.region as string | undefined })
  const server = (values.server as string | undefined) ?? runningServerUrl(config.dataDir)
  if (!server) {
    process.stderr.write(`slipway: no running server found for ${config.dataDir}; pass --server URL\n${USAGE}`)
    return 2
  }
  const root = values.root as string | undefined
  if (!root) {
    process.stderr.write(`slipway: --root DIR (the agent's deployment root) is required\n${USAGE}`)
    return 2
  }
  const credentials = await credentialChain(config.dataDir)
  if (!credentials) {
    process.stderr.write('slipway: no credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or AWS_SHARED_CREDENTIALS_FILE, or --data-dir)\n')
    return 1
  }
  let tags
  try {
    tags = parseTags((values.tags as string | undefined) ?? '')
  } catch (err) {
    process.stderr.write(`slipway: ${(err as Error).message}\n`)
    return 2
  }
  const heartbeat = Number(values['heartbeat-seconds'] ?? 2)
  if (!Number.isFinite(heartbeat) || heartbeat <= 0) {
    process.stderr.write('slipway: --heartbeat-seconds must be a positive number\n')
    return 2
  }
  const name = (values.name as string | undefined) ?? os.hostname()
  const agent = startAgent({
    server,
    credentials,
    name,
    tags,
    root: path.resolve(root),
    region: config.region,
    heartbeatSeconds: heartbeat,
  })
  process.stderr.write(`slipway agent ${name} (${agent.hostIdentifier}) polling ${server}, deployment root ${path.resolve(root)}\n`)
  foregroundWorker('agent', agent)
  return -1
}
