import { buildConfig } from '../../config/config.ts'
import path from 'node:path'
import { startServer } from '../../server/server.ts'
import { startAgent } from '../../agent/agent.ts'
import type { CommandArgs } from '../main.ts'
import { stopOnSignals } from './stop-on-signals.ts'
import { tlsInput } from './tls-input.ts'

/** `slipway up`: the embedded server in the foreground until SIGINT/SIGTERM. Returns -1 (keep running). */
export async function upCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({
    port: values.port as string | undefined,
    host: values.host as string | undefined,
    dataDir: values['data-dir'] as string | undefined,
    region: values.region as string | undefined,
    logLevel: values['log-level'] as string | undefined,
    executor: values.executor as string | undefined,
    runner: !values['no-runner'],
    ...tlsInput(values),
  })
  const server = await startServer(config)
  // One local agent, registered as instance `local` (tag slipway=local), so the one-command demo can deploy.
  const agent = values['no-agent']
    ? undefined
    : startAgent({
        server: server.url,
        credentials: await server.keys.rootKey(),
        name: 'local',
        tags: [{ Key: 'slipway', Value: 'local' }],
        root: path.join(config.dataDir, 'agent'),
        region: config.region,
        log: (level, message) => (level === 'info' ? server.app.log.debug({ agent: 'local' }, message) : server.app.log[level]({ agent: 'local' }, message)),
      })
  const { credentialsFile, configFile } = server.awsCliFiles
  process.stdout.write(
    [
      `Slipway is running at ${server.url}`,
      `  data dir: ${config.dataDir}`,
      `  AWS CLI:  export AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} AWS_CONFIG_FILE=${configFile}`,
      `            (or: eval "$(npx slipway env --data-dir ${config.dataDir})")`,
      config.runner ? '  runner:   builds run here (the server\'s own runner)' : '  runner:   none (--no-runner): start `slipway runner` on build machines (docs/runners.md)',
      agent ? `  agent:    on-premises instance 'local' (tag slipway=local), deployment root ${path.join(config.dataDir, 'agent')}` : '  agent:    none (--no-agent)',
      '',
    ].join('\n'),
  )
  stopOnSignals(server.app.log, async () => {
    await agent?.stop()
    await server.close()
  })
  return -1
}
