import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { systemClock } from '../../infra/clock.ts'
import { openConfiguredStore } from '../../server/storage.ts'
import { KeyService } from '../../identity/key-service.ts'
import type { CommandArgs } from '../main.ts'
import { RUNNER_NAME, runnerPrincipal } from '../../build/rpc/protocol.ts'

/** `slipway keys create|list|delete`: works on the data dir directly, with or without a running server. */
export async function keysCommand({ positionals, values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const [action, id] = positionals
  if (action !== 'create' && action !== 'create-runner' && action !== 'list' && action !== 'delete') {
    process.stderr.write('slipway: usage: slipway keys create [--user NAME] | create-runner NAME | list | delete <ACCESS_KEY_ID>\n')
    return 2
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const { store, box } = await openConfiguredStore(config)
  try {
    const keys = new KeyService(store, box, systemClock)
    if (action === 'create' || action === 'create-runner') {
      const runner = positionals[0] === 'create-runner' ? (id ?? '') : undefined
      if (runner !== undefined && !RUNNER_NAME.test(runner)) {
        process.stderr.write('slipway: usage: slipway keys create-runner NAME (1-64 of letters, digits and . @ _ -)\n')
        return 2
      }
      const user = runner !== undefined ? runnerPrincipal(runner) : ((values.user as string | undefined) ?? 'root')
      if (runner === undefined && !/^[\w+=,.@-]{1,64}$/.test(user)) {
        process.stderr.write('slipway: --user must be 1-64 of letters, digits and + = , . @ _ -\n')
        return 2
      }
      const pair = await keys.create(user)
      process.stdout.write(`AccessKeyId     ${pair.accessKeyId}\nSecretAccessKey ${pair.secretAccessKey}\nUser            ${user}\n`)
      return 0
    }
    if (action === 'list') {
      for (const k of await keys.list()) process.stdout.write(`${k.accessKeyId}\t${k.userName}\t${k.status}\t${k.createdAt.toISOString()}\n`)
      return 0
    }
    if (!id) {
      process.stderr.write('slipway: usage: slipway keys delete <ACCESS_KEY_ID>\n')
      return 2
    }
    if (!(await keys.delete(id))) {
      process.stderr.write(`slipway: no access key ${id}\n`)
      return 1
    }
    process.stdout.write(`deleted ${id}\n`)
    return 0
  } finally {
    await store.close()
  }
}
