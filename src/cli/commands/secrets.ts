import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { systemClock } from '../../infra/clock.ts'
import { openConfiguredStore } from '../../server/storage.ts'
import type { CommandArgs } from '../main.ts'

/**
 * `slipway secrets set NAME [VALUE] | list | delete NAME`: the values behind buildspec
 * `parameter-store` / `secrets-manager` references and PARAMETER_STORE / SECRETS_MANAGER variables.
 * Without VALUE, `set` reads the value from standard input (keeps it out of shell history).
 */
export async function secretsCommand({ positionals, values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const [action, name, value] = positionals
  if (action !== 'set' && action !== 'list' && action !== 'delete') {
    process.stderr.write('slipway: usage: slipway secrets set NAME [VALUE] | list | delete NAME\n')
    return 2
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const { store, box } = await openConfiguredStore(config)
  try {
    if (action === 'list') {
      for (const s of await store.secrets.list()) process.stdout.write(`${s.name}\t${s.updatedAt.toISOString()}\n`)
      return 0
    }
    if (!name || !/^[\w/.:@+=,-]{1,512}$/.test(name)) {
      process.stderr.write('slipway: a secret name is 1-512 of letters, digits and / . : @ + = , - _\n')
      return 2
    }
    if (action === 'delete') {
      if (!(await store.secrets.delete(name))) {
        process.stderr.write(`slipway: no secret ${name}\n`)
        return 1
      }
      return 0
    }
    const text = value ?? fs.readFileSync(0, 'utf8').replace(/\n$/, '')
    await store.secrets.put(name, box.seal(text), systemClock.now())
    process.stdout.write(`stored ${name}\n`)
    return 0
  } finally {
    await store.close()
  }
}
