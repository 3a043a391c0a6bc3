import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { DeliveryRecord } from '../../../src/events/notifications/records.ts'
import { type MakeStore, T0, TRICKY, at, assertRecord } from './support.ts'
import { delivery, rule } from './notification-rules.ts'

/** An event sequence number beyond 2^32: must come back as that number. */
const BIG_SEQ = 2 ** 33 + 7

/** `store.notifications`, deliveries: the outbox of (rule, target, event) messages the deliverer works through. */
export function notificationDeliveriesContract(makeStore: MakeStore): void {
  it('deliveries: enqueue inserts pending deliveries (attempt 0, due at createdAt) and returns how many were new', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      const d = delivery('d1', 'rule-1', 1, BIG_SEQ, at(5))
      assert.equal(await store.notifications.enqueue([d]), 1)
      assert.equal(await store.notifications.enqueue([]), 0)
      const expected: DeliveryRecord = { ...d, ruleName: 'hook', attempts: 0, nextAttemptAt: at(5), status: 'pending', createdAt: at(5), updatedAt: at(5) }
      const [read] = await store.notifications.deliveries({ limit: 10 })
      assertRecord(read, expected)
      assert.strictEqual(read?.eventSeq, BIG_SEQ)
      for (const field of ['lastError', 'lastStatusCode', 'deliveredAt'] as const) assert.equal(read?.[field], undefined, field)
      assertRecord(await store.notifications.due(at(5), 10), [expected])
    } finally {
      await store.close()
    }
  })

  it('deliveries: enqueue is idempotent per (rule, target, event), also within one call', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'a'))
      await store.notifications.createRule(rule('rule-2', 'b'))
      assert.equal(await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0), delivery('d2', 'rule-1', 1, 1, T0)]), 2)
      assert.equal(await store.notifications.enqueue([delivery('d1-again', 'rule-1', 0, 1, at(9)), delivery('d3', 'rule-1', 0, 2, T0)]), 1)
      assert.equal(await store.notifications.enqueue([delivery('d4', 'rule-2', 0, 1, T0), delivery('d4-twin', 'rule-2', 0, 1, T0)]), 1)
      const ids = (await store.notifications.deliveries({ limit: 10 })).map((d) => d.id).sort()
      assert.deepEqual(ids, ['d1', 'd2', 'd3', 'd4'])
      assert.deepEqual((await store.notifications.deliveries({ limit: 10 })).find((d) => d.id === 'd1')?.createdAt, T0, 'the first enqueue is kept')
    } finally {
      await store.close()
    }
  })

  it('deliveries: an enqueue that fails stores none of its deliveries (one call, one transaction)', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      // A rule deleted between matching an event and enqueueing its deliveries.
      const outcome = await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0), delivery('d2', 'deleted-rule', 0, 1, T0)]).then(
        () => 'stored',
        () => 'rejected',
      )
      if (outcome === 'rejected') assert.deepEqual(await store.notifications.deliveries({ limit: 10 }), [], 'a call that fails changes nothing')
      assert.equal(await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0)]), outcome === 'rejected' ? 1 : 0)
    } finally {
      await store.close()
    }
  })

  it('deliveries: due returns pending deliveries due at now (inclusive), by due time then creation, at most limit', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.enqueue([
        delivery('late', 'rule-1', 0, 3, at(3000)),
        delivery('first', 'rule-1', 0, 1, at(1000)),
        delivery('retried', 'rule-1', 1, 1, at(0)),
        delivery('second', 'rule-1', 0, 2, at(2000)),
        delivery('done', 'rule-1', 1, 2, at(0)),
      ])
      assert.equal(await store.notifications.claim('retried', 0, at(100), at(0)), true)
      await store.notifications.settle('retried', { status: 'pending', nextAttemptAt: at(2000), error: 'timeout' }, at(100))
      assert.equal(await store.notifications.claim('done', 0, at(100), at(0)), true)
      await store.notifications.settle('done', { status: 'delivered', statusCode: 200 }, at(50))
      assert.deepEqual(await store.notifications.due(at(999), 10), [])
      assert.deepEqual((await store.notifications.due(at(2000), 10)).map((d) => d.id), ['first', 'retried', 'second'], 'equal due times: the older delivery first')
      assert.deepEqual((await store.notifications.due(at(2000), 2)).map((d) => d.id), ['first', 'retried'])
      assert.deepEqual((await store.notifications.due(at(10_000), 10)).map((d) => d.id), ['first', 'retried', 'second', 'late'])
    } finally {
      await store.close()
    }
  })

  it('deliveries: claim takes one attempt if still pending at that attempt count, and leases it', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0)])
      assert.equal(await store.notifications.claim('d1', 0, at(30_000), at(10)), true)
      const [claimed] = await store.notifications.deliveries({ limit: 1 })
      assert.equal(claimed?.attempts, 1)
      assert.deepStrictEqual(claimed?.nextAttemptAt, at(30_000))
      assert.deepStrictEqual(claimed?.updatedAt, at(10))
      assert.equal(claimed?.status, 'pending')
      assert.deepEqual(await store.notifications.due(at(29_999), 10), [], 'not due while leased')
      assert.deepEqual((await store.notifications.due(at(30_000), 10)).map((d) => d.attempts), [1], 'due again once the lease passed')
      assert.equal(await store.notifications.claim('d1', 0, at(60_000), at(20)), false, 'attempt 0 was taken')
      assert.equal(await store.notifications.claim('d1', 1, at(60_000), at(30_000)), true)
      await store.notifications.settle('d1', { status: 'delivered', statusCode: 204 }, at(30_001))
      assert.equal(await store.notifications.claim('d1', 2, at(90_000), at(30_002)), false, 'a delivered message is never claimed')
      assert.equal(await store.notifications.claim('missing', 0, at(90_000), at(30_002)), false)
    } finally {
      await store.close()
    }
  })

  it('deliveries: of concurrent claims of the same attempt exactly one wins', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0)])
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.notifications.claim('d1', 0, at(60_000 + i), at(1))))
      assert.equal(results.filter(Boolean).length, 1)
      assert.equal((await store.notifications.deliveries({ limit: 1 }))[0]?.attempts, 1)
    } finally {
      await store.close()
    }
  })

  it('deliveries: settle records each attempt\'s outcome: a retry, then a success (which clears the last error)', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0)])
      await store.notifications.claim('d1', 0, at(30_000), at(1))
      await store.notifications.settle('d1', { status: 'pending', nextAttemptAt: at(60_000), error: TRICKY, statusCode: 503 }, at(2))
      let [d] = await store.notifications.deliveries({ limit: 1 })
      assertRecord(d && { status: d.status, attempts: d.attempts, nextAttemptAt: d.nextAttemptAt, lastError: d.lastError, lastStatusCode: d.lastStatusCode, updatedAt: d.updatedAt, deliveredAt: d.deliveredAt },
        { status: 'pending', attempts: 1, nextAttemptAt: at(60_000), lastError: TRICKY, lastStatusCode: 503, updatedAt: at(2) })
      assert.deepEqual((await store.notifications.due(at(60_000), 10)).map((x) => x.id), ['d1'])
      await store.notifications.claim('d1', 1, at(90_000), at(60_000))
      await store.notifications.settle('d1', { status: 'delivered', statusCode: 200 }, at(60_001))
      ;[d] = await store.notifications.deliveries({ limit: 1 })
      assertRecord(d && { status: d.status, attempts: d.attempts, lastError: d.lastError, lastStatusCode: d.lastStatusCode, updatedAt: d.updatedAt, deliveredAt: d.deliveredAt },
        { status: 'delivered', attempts: 2, lastStatusCode: 200, updatedAt: at(60_001), deliveredAt: at(60_001) })
      assert.deepEqual(await store.notifications.due(at(1_000_000), 10), [])
    } finally {
      await store.close()
    }
  })

  it('deliveries: settle as failed ends the delivery, keeping its error and no deliveredAt', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.enqueue([delivery('d1', 'rule-1', 0, 1, T0)])
      await store.notifications.claim('d1', 0, at(30_000), at(1))
      await store.notifications.settle('d1', { status: 'failed', error: 'HTTP 410 Gone', statusCode: 410 }, at(2))
      const [d] = await store.notifications.deliveries({ limit: 1 })
      assertRecord(d && { status: d.status, lastError: d.lastError, lastStatusCode: d.lastStatusCode, updatedAt: d.updatedAt, deliveredAt: d.deliveredAt },
        { status: 'failed', lastError: 'HTTP 410 Gone', lastStatusCode: 410, updatedAt: at(2) })
      assert.deepEqual(await store.notifications.due(at(1_000_000), 10), [])
    } finally {
      await store.close()
    }
  })

  it('deliveries: lists most recent first (then newer event, then target order), filtered by rule name and status, at most limit', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.createRule(rule('rule-2', 'Hook'))
      await store.notifications.enqueue([
        delivery('h-e1-t0', 'rule-1', 0, 1, at(1000)),
        delivery('h-e1-t1', 'rule-1', 1, 1, at(1000)),
        delivery('h-e2-t1', 'rule-1', 1, 2, at(1000)),
        delivery('h-e2-t0', 'rule-1', 0, 2, at(1000)),
        delivery('h-e3-t0', 'rule-1', 0, 3, at(3000)),
        delivery('H-e1-t0', 'rule-2', 0, 1, at(2000)),
      ])
      await store.notifications.claim('h-e3-t0', 0, at(5000), at(3001))
      await store.notifications.settle('h-e3-t0', { status: 'failed', error: 'x' }, at(3002))
      await store.notifications.claim('H-e1-t0', 0, at(5000), at(2001))
      await store.notifications.settle('H-e1-t0', { status: 'delivered' }, at(2002))
      const ids = async (filter: Parameters<typeof store.notifications.deliveries>[0]) => (await store.notifications.deliveries(filter)).map((d) => d.id)
      assert.deepEqual(await ids({ limit: 10 }), ['h-e3-t0', 'H-e1-t0', 'h-e2-t0', 'h-e2-t1', 'h-e1-t0', 'h-e1-t1'])
      assert.deepEqual(await ids({ limit: 3 }), ['h-e3-t0', 'H-e1-t0', 'h-e2-t0'])
      assert.deepEqual(await ids({ ruleName: 'hook', limit: 10 }), ['h-e3-t0', 'h-e2-t0', 'h-e2-t1', 'h-e1-t0', 'h-e1-t1'])
      assert.deepEqual(await ids({ ruleName: 'Hook', limit: 10 }), ['H-e1-t0'])
      assert.deepEqual(await ids({ status: 'pending', limit: 10 }), ['h-e2-t0', 'h-e2-t1', 'h-e1-t0', 'h-e1-t1'])
      assert.deepEqual(await ids({ ruleName: 'hook', status: 'failed', limit: 10 }), ['h-e3-t0'])
      assert.deepEqual(await ids({ ruleName: 'hook', status: 'delivered', limit: 10 }), [])
      assert.deepEqual(await ids({ ruleName: 'missing', limit: 10 }), [])
    } finally {
      await store.close()
    }
  })

  it('deliveries: prune removes finished deliveries last updated before the cutoff, never pending ones, and counts them', async () => {
    const store = await makeStore()
    try {
      await store.notifications.createRule(rule('rule-1', 'hook'))
      await store.notifications.enqueue([
        delivery('old-delivered', 'rule-1', 0, 1, T0),
        delivery('old-failed', 'rule-1', 0, 2, T0),
        delivery('old-pending', 'rule-1', 0, 3, T0),
        delivery('at-cutoff', 'rule-1', 0, 4, T0),
        delivery('recent', 'rule-1', 0, 5, T0),
      ])
      const finish = async (id: string, status: 'delivered' | 'failed', when: Date) => {
        await store.notifications.claim(id, 0, at(1), T0)
        await store.notifications.settle(id, { status }, when)
      }
      await finish('old-delivered', 'delivered', at(10))
      await finish('old-failed', 'failed', at(20))
      await finish('at-cutoff', 'delivered', at(100))
      await finish('recent', 'failed', at(200))
      assert.equal(await store.notifications.prune(at(100)), 2)
      assert.equal(await store.notifications.prune(at(100)), 0)
      assert.deepEqual((await store.notifications.deliveries({ limit: 10 })).map((d) => d.id).sort(), ['at-cutoff', 'old-pending', 'recent'])
    } finally {
      await store.close()
    }
  })
}
