import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { systemClock } from '../../infra/clock.ts'
import { SecretBox } from '../../infra/crypto/secret-box.ts'
import { openSqliteStore } from '../../infra/sqlite/sqlite-store.ts'
import { EVENT_TYPES } from '../../events/webhooks/rules.ts'
import type { NotificationTarget } from '../../events/webhooks/records.ts'
import type { CommandArgs } from '../main.ts'

const USAGE = `slipway notifications create --name NAME --events ID[,ID...] [--resource ARN|*] (--webhook URL [--secret S] | --slack URL) [--detail BASIC|FULL]
slipway notifications list | delete NAME | deliveries [--rule NAME] | event-types
`

/**
 * Notification rules (CodeStar Notifications-like): chosen events to webhook URLs (EventBridge-shaped
 * JSON, `X-Slipway-Signature: sha256=<HMAC>` when a secret is set) or Slack incoming webhooks. Works on
 * the data dir's store; a running server reads rules on every event.
 */
export async function notificationsCommand({ positionals, values }: CommandArgs): Promise<number> {
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined })
  const [action, arg] = positionals
  if (action === 'event-types') {
    process.stdout.write(Object.keys(EVENT_TYPES).join('\n') + '\n')
    return 0
  }
  if (!['create', 'list', 'delete', 'deliveries'].includes(action ?? '')) {
    process.stderr.write(`slipway: usage:\n${USAGE}`)
    return 2
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const store = openSqliteStore(config.dataDir)
  try {
    if (action === 'list') {
      for (const r of await store.notifications.rules()) process.stdout.write(`${r.name}\t${r.status}\t${r.resource}\t${r.eventTypeIds.join(',')}\t${r.targets.map((t) => `${t.type}:${t.address}`).join(',')}\n`)
      return 0
    }
    if (action === 'deliveries') {
      for (const d of await store.notifications.deliveries(values.rule as string | undefined)) process.stdout.write(`${d.id}\t${d.ruleName}\t${d.status}\tattempts=${d.attempt}\t${d.eventType}\t${d.lastError ?? ''}\n`)
      return 0
    }
    if (action === 'delete') {
      if (!arg || !(await store.notifications.deleteRule(arg))) {
        process.stderr.write(`slipway: no notification rule ${arg ?? ''}\n`)
        return 1
      }
      return 0
    }
    const name = values.name as string | undefined
    const events = String(values.events ?? '').split(',').map((e) => e.trim()).filter(Boolean)
    const unknown = events.filter((e) => e !== '*' && !EVENT_TYPES[e])
    const webhook = values.webhook as string | undefined
    const slack = values.slack as string | undefined
    const problems = [
      !name || !/^[\w.-]{1,64}$/.test(name) ? '--name is 1-64 of letters, digits, . _ -' : '',
      events.length === 0 ? '--events needs at least one event type id (see `slipway notifications event-types`)' : '',
      unknown.length ? `unknown event type ids: ${unknown.join(', ')}` : '',
      !webhook === !slack ? 'give exactly one of --webhook URL or --slack URL' : '',
      [webhook, slack].some((u) => u && !/^https?:\/\//.test(u)) ? 'the target must be an http(s) URL' : '',
    ].filter(Boolean)
    if (problems.length > 0) {
      process.stderr.write(`slipway: ${problems.join('; ')}\n`)
      return 2
    }
    const secret = values.secret as string | undefined
    const target: NotificationTarget = webhook
      ? { type: 'Webhook', address: webhook, ...(secret ? { secretSealed: SecretBox.openInDataDir(config.dataDir).seal(secret) } : {}) }
      : { type: 'Slack', address: slack! }
    const created = await store.notifications.putRule({
      name: name!, resource: String(values.resource ?? '*'), eventTypeIds: events, targets: [target],
      detailType: values.detail === 'FULL' ? 'FULL' : 'BASIC', status: 'ENABLED', createdAt: systemClock.now(),
    })
    if (!created) {
      process.stderr.write(`slipway: a notification rule named ${name} already exists\n`)
      return 1
    }
    process.stdout.write(`created ${name}\n`)
    return 0
  } finally {
    store.close()
  }
}
