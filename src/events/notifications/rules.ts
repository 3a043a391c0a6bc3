import { randomBytes } from 'node:crypto'
import type { Clock } from '../../infra/clock.ts'
import type { SecretBox } from '../../infra/crypto/secret-box.ts'
import { AwsError } from '../../shared/errors.ts'
import { validateRuleInput, type RuleInput } from '../model/matching.ts'
import type { RuleStatus } from '../model/types.ts'
import type { NotificationRuleRecord, NotificationStore, StoredTarget } from './records.ts'

export type RuleDeps = { store: { notifications: NotificationStore }; box: SecretBox; clock: Clock; region: string; accountId: string }

export type CreateRuleRequest = RuleInput & { status?: RuleStatus }

export const ruleArn = (region: string, accountId: string, id: string) => `arn:aws:codestar-notifications:${region}:${accountId}:notificationrule/${id}`

/**
 * Creates a rule (`CreateNotificationRule`). A Webhook target without a secret gets a generated one,
 * returned once here and sealed at rest like every secret: every webhook delivery is signed.
 */
export async function createRule(deps: RuleDeps, request: CreateRuleRequest): Promise<{ rule: NotificationRuleRecord; generatedSecrets: { targetIndex: number; secret: string }[] }> {
  const input = validateRuleInput(request)
  const generatedSecrets: { targetIndex: number; secret: string }[] = []
  const targets: StoredTarget[] = input.targets.map((t, i) => {
    if (t.type === 'Slack') return { type: t.type, address: t.address }
    let secret = t.secret
    if (secret === undefined) {
      secret = randomBytes(24).toString('base64url')
      generatedSecrets.push({ targetIndex: i, secret })
    }
    return { type: t.type, address: t.address, secretSealed: deps.box.seal(secret) }
  })
  const id = randomBytes(20).toString('hex')
  const now = deps.clock.now()
  const rule: NotificationRuleRecord = {
    id,
    arn: ruleArn(deps.region, deps.accountId, id),
    name: input.name,
    resource: input.resource,
    eventTypeIds: input.eventTypeIds,
    targets,
    detailType: input.detailType,
    status: request.status ?? 'ENABLED',
    createdAt: now,
    updatedAt: now,
  }
  if (!(await deps.store.notifications.createRule(rule))) throw new AwsError('ResourceAlreadyExistsException', `A notification rule named '${input.name}' already exists`)
  return { rule, generatedSecrets }
}
