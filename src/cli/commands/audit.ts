import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { openConfiguredStore } from '../../server/storage.ts'
import type { CommandArgs } from '../main.ts'

/** `slipway audit [--limit N]`: the newest audit entries (every mutating API call and console command), newest first. */
export async function auditCommand({ values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const limit = Number(values.limit ?? 50)
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    process.stderr.write('slipway: --limit is a whole number from 1 to 10000\n')
    return 2
  }
  if (!fs.existsSync(config.dataDir)) {
    process.stderr.write(`slipway: no data dir at ${config.dataDir}\n`)
    return 1
  }
  const { store } = await openConfiguredStore(config)
  try {
    for (const e of await store.audit.recent(limit)) {
      process.stdout.write(`${e.at.toISOString()}\t${e.principal}\t${e.action}\t${e.resource ?? '-'}\t${e.requestId}\n`)
    }
    return 0
  } finally {
    await store.close()
  }
}
