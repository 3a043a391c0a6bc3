import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { NewDelivery, NotificationRuleRecord } from '../../../src/events/notifications/records.ts'
import { type MakeStore, BYTE_ORDER, FAR_FUTURE, SHUFFLED, T0, at, assertRecord, assertSameJson } from './support.ts'

export const rule = (id: string, name: string, extra: Partial<NotificationRuleRecord> = {}): NotificationRuleRecord => ({
  id,
  name,
  arn: `arn:aws:codestar-notifications:us-east-1:000000000000:notificationrule/${id}`,
  resource: 'arn:aws:codepipeline:us-east-1:000000000000:*',
  eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-pipeline-execution-succeeded'],
  targets: [
    { type: 'Webhook', address: 'https://hooks.example/fête?x=1&y=😀', secretSealed: 'v1:c2VhbGVk' },
    { type: 'Slack', address: 'https://hooks.slack.com/services/T/B/X' },
  ],
  detailType: 'FULL',
  status: 'ENABLED',
  createdAt: T0,
  updatedAt: T0,
  ...extra,
})

export const delivery = (id: string, ruleId: string, targetIndex: number, eventSeq: number, createdAt: Date): NewDelivery => ({
  id,
  ruleId,
  targetIndex,
  targetType: targetIndex === 0 ? 'Webhook' : 'Slack',
  address: `https://hooks.example/${targetIndex}`,
  eventSeq,
  eventType: 'CodePipeline Pipeline Execution State Change',
  eventId: `event-${eventSeq}`,
  payload: `{"detail":{"seq":${eventSeq}},"text":"fête 😀"}`,
  createdAt,
})

/** `store.notifications`, rules: unique names, listed by name. */
export function notificationRulesContract(makeStore: MakeStore): void {
  it('notification rules: createRule stores a rule, read back exactly by name and by id', async () => {
    const store = await makeStore()
    try {
      const r = rule('rule-1', 'on-failure', { detailType: 'BASIC', createdAt: at(-1), updatedAt: FAR_FUTURE })
      assert.equal(await store.notifications.createRule(r), true)
      const byName = await store.notifications.getRule('on-failure')
      assertRecord(byName, r)
      assertSameJson(byName?.targets, r.targets)
      assert.equal(byName?.targets[1]?.secretSealed, undefined)
      assertRecord(await store.notifications.ruleById('rule-1'), r)
      assert.equal(await store.notifications.getRule('On-Failure'), undefined, 'names match exactly')
      assert.equal(await store.notifications.getRule('missing'), undefined)
      assert.equal(await store.notifications.ruleById('missing'), undefined)
    } finally {
      await store.close()
    }
  })

  it('notification rules: createRule returns false for a taken name and keeps the first rule', async () => {
    const store = await makeStore()
    try {
      assert.equal(await store.notifications.createRule(rule('rule-1', 'taken')), true)
      assert.equal(await store.notifications.createRule(rule('rule-2', 'taken', { status: 'DISABLED' })), false)
      assert.equal(await store.notifications.ruleById('rule-2'), undefined)
      assertRecord(await store.notifications.getRule('taken'), rule('rule-1', 'taken'))
      assert.equal(await store.notifications.createRule(rule('rule-3', 'Taken')), true, 'names differing only in case are distinct')
    } finally {
      await store.close()
    }
  })

  it('notification rules: listRules sorts by name byte-wise', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.notifications.listRules(), [])
      for (const [i, name] of SHUFFLED.entries()) await store.notifications.createRule(rule(`id-${i}`, name))
      const listed = await store.notifications.listRules()
      assert.deepEqual(listed.map((r) => r.name), BYTE_ORDER)
      assertRecord(listed[0], rule(`id-${SHUFFLED.indexOf('Beta')}`, 'Beta'))
    } finally {
      await store.close()
    }
  })

  it('notification rules: setRuleStatus changes status and updatedAt only, and is false for an unknown rule', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'r'))
      assert.equal(await store.notifications.setRuleStatus('r', 'DISABLED', at(1000)), true)
      assertRecord(await store.notifications.getRule('r'), rule('rule-1', 'r', { status: 'DISABLED', updatedAt: at(1000) }))
      assert.equal(await store.notifications.setRuleStatus('r', 'DISABLED', at(2000)), true, 'the same status again is still a found rule')
      assert.equal(await store.notifications.setRuleStatus('missing', 'ENABLED', at(3000)), false)
      assert.deepEqual((await store.notifications.getRule('r'))?.updatedAt, at(2000))
    } finally {
      await store.close()
    }
  })

  it('notification rules: deleteRule returns true once, then false, and deletes the rule\'s deliveries only', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'doomed'))
      await store.notifications.createRule(rule('rule-2', 'kept'))
      assert.equal(await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 7, T0), delivery('d2', 'rule-2', 0, 7, T0)]), 2)
      assert.equal(await store.notifications.deleteRule('doomed'), true)
      assert.equal(await store.notifications.deleteRule('doomed'), false)
      assert.equal(await store.notifications.deleteRule('never'), false)
      assert.equal(await store.notifications.getRule('doomed'), undefined)
      assert.equal(await store.notifications.ruleById('rule-1'), undefined)
      assert.deepEqual((await store.notifications.deliveries({ limit: 10 })).map((d) => d.id), ['d2'])
      assert.equal(await store.notifications.createRule(rule('rule-1', 'doomed')), true)
      assert.deepEqual(await store.notifications.deliveries({ ruleName: 'doomed', limit: 10 }), [], 'a re-created rule starts without deliveries')
      assert.equal(await store.notifications.enqueue([delivery('d3', 'rule-1', 0, 7, at(1))]), 1)
    } finally {
      await store.close()
    }
  })
}
