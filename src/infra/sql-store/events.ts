import { fromMs, placeholders, type Row, type Sql } from '../sql/sql.ts'
import type { EventOutbox, EventPosition, StoredEvent } from '../../events/outbox.ts'

/**
 * The writing transaction's id, and the oldest transaction still running, on PostgreSQL; SQLite's
 * single writer commits in `seq` order, so its events need neither.
 */
const currentTx = (sql: Sql) => (sql.dialect === 'postgres' ? 'pg_current_xact_id()::text::bigint' : '0')
const finishedBelow = (sql: Sql, column = 'tx') => (sql.dialect === 'postgres' ? ` AND ${column} < pg_snapshot_xmin(pg_current_snapshot())::text::bigint` : '')

const toEvent = (r: Row): StoredEvent => ({
  seq: Number(r.seq),
  position: { tx: Number(r.tx), seq: Number(r.seq) },
  type: String(r.type),
  source: String(r.source),
  resource: String(r.resource),
  detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
  at: fromMs(r.created_at),
})

/** `type IN (…) AND ` for a list of types (nothing without one). */
const ofTypes = (types: readonly string[] | undefined) => (types ? `type IN (${placeholders(types.length)}) AND ` : '')

const toPosition = (r: Row | undefined): EventPosition => (r ? { tx: Number(r.tx), seq: Number(r.seq) } : { tx: 0, seq: 0 })

export function sqlOutbox(sql: Sql): EventOutbox {
  return {
    append: async (e) => {
      const row = await sql.get(`INSERT INTO events (tx, type, source, resource, detail, created_at) VALUES (${currentTx(sql)}, ?, ?, ?, ?, ?) RETURNING seq`,
        e.type, e.source, e.resource, JSON.stringify(e.detail), e.at.getTime())
      return Number(row!.seq)
    },
    after: async (p, limit, types) =>
      (await sql.all(`SELECT * FROM events WHERE ${ofTypes(types)}(tx > ? OR (tx = ? AND seq > ?))${finishedBelow(sql)} ORDER BY tx, seq LIMIT ?`, ...(types ?? []), p.tx, p.tx, p.seq, limit)).map(toEvent),
    end: async () => toPosition(await sql.get(`SELECT tx, seq FROM events WHERE 1 = 1${finishedBelow(sql)} ORDER BY tx DESC, seq DESC LIMIT 1`)),

    addConsumer: async (name, start) => {
      await sql.run('INSERT INTO event_consumers (name, tx, seq) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', name, start.tx, start.seq)
    },
    consumerBehind: async (name, types) =>
      (await sql.get(`SELECT 1 AS behind FROM event_consumers c JOIN events e ON e.type IN (${placeholders(types.length)})
        AND (e.tx > c.tx OR (e.tx = c.tx AND e.seq > c.seq))${finishedBelow(sql, 'e.tx')} WHERE c.name = ? LIMIT 1`, ...types, name)) !== undefined,
    claimConsumer: async (name, owner, now, leaseUntil) =>
      toPositionOrNone(await sql.get('UPDATE event_consumers SET owner = ?, lease_expires_at = ? WHERE name = ? AND (owner IS NULL OR owner = ? OR lease_expires_at < ?) RETURNING tx, seq',
        owner, leaseUntil.getTime(), name, owner, now.getTime())),
    advanceConsumer: async (name, owner, p, leaseUntil) =>
      (await sql.run('UPDATE event_consumers SET tx = ?, seq = ?, owner = ?, lease_expires_at = ? WHERE name = ? AND owner = ?',
        p.tx, p.seq, leaseUntil ? owner : null, leaseUntil?.getTime() ?? null, name, owner)) === 1,
  }
}

const toPositionOrNone = (r: Row | undefined): EventPosition | undefined => (r ? toPosition(r) : undefined)
