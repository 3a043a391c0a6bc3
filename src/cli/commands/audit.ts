import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { openConfiguredStore } from '../../server/storage.ts'
import type { CommandArgs } from '../main.ts'

/**
 * `slipway audit [--limit N] [--principal P] [--action TEXT] [--resource TEXT] [--since ISO] [--until ISO]`:
 * the newest audit entries (every change through an API, the console or S3, failed and refused ones
 * too), newest first; `--action` and `--resource` match substrings.
 */
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
  const time = (name: 'since' | 'until'): Date | undefined | null => {
    const raw = values[name] as string | undefined
    if (raw === undefined) return undefined
    const at = new Date(raw)
    return Number.isNaN(at.getTime()) ? null : at
  }
  const since = time('since')
  const until = time('until')
  if (since === null || until === null) {
    process.stderr.write('slipway: --since and --until take a date and time (ISO 8601, e.g. 2026-12-03T10:00:00Z)\n')
    return 2
  }
  const text = (name: string) => values[name] as string | undefined
  const { store } = await openConfiguredStore(config)
  try {
    const entries = await store.audit.query({
      limit,
      ...(text('principal') !== undefined ? { principal: text('principal')! } : {}),
      ...(text('action') !== undefined ? { action: text('action')! } : {}),
      ...(text('resource') !== undefined ? { resource: text('resource')! } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
    })
    for (const e of entries) {
      process.stdout.write(`${e.at.toISOString()}\t${e.principal}\t${e.action}\t${e.resource ?? '-'}\t${e.outcome ?? 'ok'}\t${e.requestId}\n`)
    }
    return 0
  } finally {
    await store.close()
  }
}
