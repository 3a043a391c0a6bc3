import fs from 'node:fs'
import { buildConfig } from '../../config/config.ts'
import { systemClock } from '../../infra/clock.ts'
import { openConfiguredStore } from '../../server/storage.ts'
import { AwsError } from '../../shared/errors.ts'
import { EVENT_TYPES } from '../../events/model/event-types.ts'
import type { NotificationTarget } from '../../events/model/types.ts'
import { createRule } from '../../events/notifications/rules.ts'
import type { DeliveryStatus } from '../../events/notifications/records.ts'
import type { CommandArgs } from '../main.ts'

const USAGE = `Usage: slipway notifications <action> [options]   (works on the data dir: --data-dir DIR)

  create --name NAME --events ID[,ID...]|'*' [--resource ARN|'*']
         (--webhook URL [--secret S] | --slack URL)... [--detail BASIC|FULL] [--status ENABLED|DISABLED]
                 a rule: the chosen events of the resource (a pipeline, project, repository or
                 application ARN; '*' wildcards; default '*') to each target. Webhooks get the
                 EventBridge event, signed: X-Slipway-Signature: sha256=HMAC-SHA256(body, secret)
                 (a secret is generated and printed once when --secret is not given). Slack targets
                 get an incoming-webhook message. FULL adds why a pipeline failed and what it built.
  list           the rules
  delete NAME    delete a rule and its deliveries
  enable NAME | disable NAME
  deliveries [--rule NAME] [--status pending|delivered|failed] [--limit N (50)]
                 recent deliveries: attempts, HTTP status, next attempt, last error
  event-types    the event type ids --events accepts
`

const fail = (message: string, code = 2): number => {
  process.stderr.write(`slipway: ${message}\n`)
  return code
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

/**
 * `slipway notifications …`: notification rules (AWS CodeStar Notifications, to webhooks and Slack)
 * and their deliveries. Like `slipway secrets`, it opens the data dir's store directly; a running
 * server reads the rules from the store on every event, so changes apply at once.
 */
export async function notificationsCommand({ positionals, values }: CommandArgs): Promise<number> {
  const [action, name] = positionals
  if (action === undefined || action === 'help') {
    process.stdout.write(USAGE)
    return action === undefined ? 2 : 0
  }
  if (action === 'event-types') {
    for (const t of EVENT_TYPES) process.stdout.write(`${t.id}\t${t.service}\t${t.name}\n`)
    return 0
  }
  if (!['create', 'list', 'delete', 'enable', 'disable', 'deliveries'].includes(action)) return fail(`unknown notifications action '${action}'\n\n${USAGE}`)
  const config = buildConfig({ dataDir: values['data-dir'] as string | undefined, region: values.region as string | undefined })
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const { store, box } = await openConfiguredStore(config)
  try {
    switch (action) {
      case 'list': {
        process.stdout.write('NAME\tSTATUS\tDETAIL\tRESOURCE\tEVENTS\tTARGETS\n')
        for (const r of await store.notifications.listRules()) {
          process.stdout.write(`${r.name}\t${r.status}\t${r.detailType}\t${r.resource}\t${r.eventTypeIds.join(',')}\t${r.targets.map((t) => `${t.type}:${t.address}`).join(',')}\n`)
        }
        return 0
      }
      case 'delete':
      case 'enable':
      case 'disable': {
        if (!name) return fail(`usage: slipway notifications ${action} NAME`)
        const done = action === 'delete' ? await store.notifications.deleteRule(name) : await store.notifications.setRuleStatus(name, action === 'enable' ? 'ENABLED' : 'DISABLED', systemClock.now())
        if (!done) return fail(`no notification rule ${name}`, 1)
        process.stdout.write(`${action === 'delete' ? 'deleted' : `${action}d`} ${name}\n`)
        return 0
      }
      case 'deliveries': {
        const status = values.status as string | undefined
        if (status !== undefined && !['pending', 'delivered', 'failed'].includes(status)) return fail('--status is pending, delivered or failed')
        const limit = Number(values.limit ?? 50)
        if (!Number.isInteger(limit) || limit < 1) return fail('--limit is a positive integer')
        const rule = values.rule as string | undefined
        if (rule !== undefined && !(await store.notifications.getRule(rule))) return fail(`no notification rule ${rule}`, 1)
        process.stdout.write('ID\tRULE\tTARGET\tEVENT\tSTATUS\tATTEMPTS\tHTTP\tCREATED\tNEXT_OR_DONE\tLAST_ERROR\n')
        for (const d of await store.notifications.deliveries({ ruleName: rule, status: status as DeliveryStatus | undefined, limit })) {
          const when = d.status === 'pending' ? d.nextAttemptAt : (d.deliveredAt ?? d.updatedAt)
          process.stdout.write(`${d.id}\t${d.ruleName}\t${d.targetType}:${d.address}\t${d.eventType}\t${d.status}\t${d.attempts}\t${d.lastStatusCode ?? '-'}\t${d.createdAt.toISOString()}\t${when.toISOString()}\t${d.lastError ?? ''}\n`)
        }
        return 0
      }
      default: {
        const events = String(values.events ?? '').split(',').map((e) => e.trim()).filter(Boolean)
        const secret = values.secret as string | undefined
        const webhooks = list(values.webhook)
        const slacks = list(values.slack)
        if (secret !== undefined && webhooks.length === 0) return fail('--secret signs webhook deliveries: give it with --webhook URL')
        const targets: (NotificationTarget & { secret?: string })[] = [
          ...webhooks.map((address) => ({ type: 'Webhook' as const, address, ...(secret !== undefined ? { secret } : {}) })),
          ...slacks.map((address) => ({ type: 'Slack' as const, address })),
        ]
        const status = String(values.status ?? 'ENABLED').toUpperCase()
        if (status !== 'ENABLED' && status !== 'DISABLED') return fail('--status is ENABLED or DISABLED')
        const { rule, generatedSecrets } = await createRule(
          { store, box: box, clock: systemClock, region: config.region, accountId: config.accountId },
          { name: String(values.name ?? ''), resource: String(values.resource ?? '*'), eventTypeIds: events, targets, detailType: values.detail as string | undefined, status },
        )
        process.stdout.write(`created ${rule.name}\t${rule.arn}\n`)
        for (const g of generatedSecrets) {
          process.stdout.write(`secret for ${rule.targets[g.targetIndex]?.address}: ${g.secret}\n  (shown once; receivers check X-Slipway-Signature: sha256=HMAC-SHA256(raw body, secret))\n`)
        }
        return 0
      }
    }
  } catch (err) {
    if (err instanceof AwsError) return fail(err.message, err.code === 'ResourceAlreadyExistsException' ? 1 : 2)
    throw err
  } finally {
    await store.close()
  }
}
