/**
 * CodePipeline webhooks: PutWebhook / ListWebhooks / DeleteWebhook and the URL they hand out
 * (`<server>/webhooks/trigger?t=<token>&v=1`). A call to the URL is authenticated as the webhook
 * says (GITHUB_HMAC: `X-Hub-Signature-256` or `X-Hub-Signature` over the body with the secret; IP:
 * the caller's address in AllowedIPRange; UNAUTHENTICATED), then every filter's JSON path is
 * evaluated on the payload (no script expressions) and compared with its `matchEquals`; when all
 * match, the pipeline starts (trigger `Webhook`). GitHub's delivery id makes a redelivery start nothing twice.
 */
import crypto from 'node:crypto'
import net from 'node:net'
import { JSONPath } from 'jsonpath-plus'
import { AwsError } from '../../shared/errors.ts'
import type { PipelineContext } from './context.ts'
import type { PipelineEngine } from './engine.ts'
import type { WebhookRecord } from '../records.ts'
import { filterMatches, validateWebhook, webhookTarget, type WebhookDefinition } from '../model/webhooks.ts'

const MAX_WEBHOOKS = 300

export const webhookArn = (ctx: PipelineContext, name: string) => `arn:aws:codepipeline:${ctx.region}:${ctx.accountId}:webhook:${name}`
export const webhookUrl = (ctx: PipelineContext, token: string) => `${ctx.baseUrl()}/webhooks/trigger?t=${token}&v=1`

/** `a.b.c.d/n` or an IPv6 prefix, as a block list; undefined when it is not CIDR notation. */
function cidr(range: string): net.BlockList | undefined {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(range.trim())
  const family = m?.[1] ? net.isIP(m[1]) : 0
  if (!m?.[1] || family === 0 || Number(m[2]) > (family === 4 ? 32 : 128)) return undefined
  const list = new net.BlockList()
  list.addSubnet(m[1], Number(m[2]), family === 4 ? 'ipv4' : 'ipv6')
  return list
}

export function webhookView(ctx: PipelineContext, w: WebhookRecord) {
  return {
    definition: w.definition,
    url: webhookUrl(ctx, w.token),
    arn: w.arn,
    ...(w.lastTriggered ? { lastTriggered: w.lastTriggered } : {}),
    ...(w.tags.length > 0 ? { tags: w.tags } : {}),
  }
}

export async function putWebhook(ctx: PipelineContext, definition: WebhookDefinition, tags: { key: string; value: string }[] = []): Promise<WebhookRecord> {
  const pipeline = await ctx.store.pipelines.get(definition.targetPipeline)
  if (!pipeline) throw new AwsError('PipelineNotFoundException', `Pipeline ${definition.targetPipeline} does not exist`)
  validateWebhook(definition, pipeline.normalized, (range) => cidr(range) !== undefined)
  const reserved = tags.find((t) => t.key.toLowerCase().startsWith('aws:'))
  if (reserved) throw new AwsError('InvalidTagsException', `Tag key ${reserved.key} is invalid: the prefix aws: is reserved for AWS use`)
  if (tags.length > 50) throw new AwsError('TooManyTagsException', `A webhook can have at most 50 tags, not ${tags.length}`)
  const existing = await ctx.store.pipelines.webhook(definition.name)
  if (!existing && (await ctx.store.pipelines.webhooks()).length >= MAX_WEBHOOKS) throw new AwsError('LimitExceededException', `An account can have at most ${MAX_WEBHOOKS} webhooks`)
  const record: WebhookRecord = {
    name: definition.name,
    pipelineName: definition.targetPipeline,
    definition,
    // The URL stays when the definition changes: whoever calls it need not be told again.
    token: existing?.token ?? crypto.randomBytes(24).toString('hex'),
    arn: webhookArn(ctx, definition.name),
    tags: tags.length > 0 ? tags : existing?.tags ?? [],
    ...(existing?.lastTriggered ? { lastTriggered: existing.lastTriggered } : {}),
    createdAt: existing?.createdAt ?? ctx.clock.now(),
  }
  await ctx.store.pipelines.putWebhook(record)
  return record
}

export async function requireWebhook(ctx: PipelineContext, name: string | undefined): Promise<WebhookRecord> {
  const w = name ? await ctx.store.pipelines.webhook(name) : undefined
  if (!w) throw new AwsError('WebhookNotFoundException', `Webhook ${name ?? '(no name)'} does not exist`)
  return w
}

export type WebhookCall = { token: string; body: Buffer; headers: Record<string, string | string[] | undefined>; sourceIp: string }

export type WebhookOutcome =
  | { kind: 'started'; pipelineExecutionId: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'not-found' }
  | { kind: 'unauthorized'; reason: string }
  | { kind: 'bad-payload'; reason: string }

const header = (headers: WebhookCall['headers'], name: string) => {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

function signatureMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

function authenticate(w: WebhookRecord, call: WebhookCall): string | undefined {
  const conf = w.definition.authenticationConfiguration
  if (w.definition.authentication === 'UNAUTHENTICATED') return undefined
  if (w.definition.authentication === 'IP') {
    const allowed = cidr(conf.AllowedIPRange ?? '')
    const ip = call.sourceIp.replace(/^::ffff:/, '')
    return allowed?.check(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4') ? undefined : `the caller's address ${ip} is not in ${conf.AllowedIPRange}`
  }
  const secret = conf.SecretToken ?? ''
  const sha256 = `sha256=${crypto.createHmac('sha256', secret).update(call.body).digest('hex')}`
  const sha1 = `sha1=${crypto.createHmac('sha1', secret).update(call.body).digest('hex')}`
  const given256 = header(call.headers, 'x-hub-signature-256')
  if (given256 !== undefined) return signatureMatches(sha256, given256) ? undefined : 'X-Hub-Signature-256 does not match the body signed with the secret'
  return signatureMatches(sha1, header(call.headers, 'x-hub-signature')) ? undefined : 'no X-Hub-Signature-256 or X-Hub-Signature matching the body signed with the secret'
}

/** A call to a webhook's URL. */
export async function invokeWebhook(ctx: PipelineContext, engine: PipelineEngine, call: WebhookCall): Promise<WebhookOutcome> {
  const w = await ctx.store.pipelines.webhookByToken(call.token)
  if (!w) return { kind: 'not-found' }
  const refused = authenticate(w, call)
  if (refused) return { kind: 'unauthorized', reason: refused }
  let payload: unknown
  try {
    payload = JSON.parse(call.body.toString('utf8'))
  } catch {
    // GitHub's form-encoded deliveries carry the JSON in `payload`.
    const form = new URLSearchParams(call.body.toString('utf8')).get('payload')
    try {
      payload = form === null ? undefined : JSON.parse(form)
    } catch {
      payload = undefined
    }
    if (payload === undefined) return { kind: 'bad-payload', reason: 'the payload is not JSON' }
  }
  const pipeline = await ctx.store.pipelines.get(w.pipelineName)
  if (!pipeline) return { kind: 'ignored', reason: `pipeline ${w.pipelineName} no longer exists` }
  let configuration: Readonly<Record<string, string>>
  try {
    configuration = webhookTarget(pipeline.normalized, w.definition.targetAction)
  } catch (err) {
    return { kind: 'ignored', reason: (err as Error).message }
  }
  for (const f of w.definition.filters) {
    let found: unknown[]
    try {
      found = JSONPath({ path: f.jsonPath, json: payload as object, wrap: true, eval: false }) as unknown[]
    } catch {
      found = []
    }
    if (!filterMatches(found ?? [], f.matchEquals, configuration)) return { kind: 'ignored', reason: `the filter ${f.jsonPath}${f.matchEquals !== undefined ? ` = ${f.matchEquals}` : ''} does not match` }
  }
  const delivery = header(call.headers, 'x-github-delivery')
  const variables = Object.fromEntries(pipeline.normalized.variables.map((v) => [v.name, v.defaultValue ?? '']))
  const e = await engine.start(w.pipelineName, {
    trigger: { triggerType: 'Webhook', triggerDetail: w.arn },
    variables,
    clientRequestToken: `webhook-${w.name}-${delivery && /^[\w-]{1,80}$/.test(delivery) ? delivery : crypto.randomUUID()}`,
  })
  await ctx.store.pipelines.putWebhook({ ...w, lastTriggered: ctx.clock.now() })
  return { kind: 'started', pipelineExecutionId: e.id }
}
