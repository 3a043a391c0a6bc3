import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import pg from 'pg'
import type { Database, Signals, Sql, SqlValue, TransactionOptions } from './sql.ts'
import { runTransaction, TransactionScope } from './transaction-scope.ts'
import { numberedPlaceholders } from './placeholders.ts'

/** Integers (int8, and COUNT's bigint) as JavaScript numbers: epoch ms and counters fit in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as never))) as typeof pg.types.getTypeParser,
}

/** Serialization failure and deadlock: PostgreSQL asks the client to run the transaction again. */
const retryable = (err: unknown) => ['40001', '40P01'].includes((err as { code?: string }).code ?? '')

const SIGNAL_CHANNEL = 'slipway_signals'

type Queryable = { query(config: { text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>; query(text: string): Promise<unknown> }

const lockKeys = (options?: TransactionOptions) => [...new Set(typeof options?.lock === 'string' ? [options.lock] : (options?.lock ?? []))].sort()

async function takeLocks(q: Queryable, keys: string[]): Promise<void> {
  for (const key of keys) await q.query({ text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', values: [key] })
}

/**
 * PostgreSQL text cannot hold NUL: in a string parameter it becomes U+FFFD (SQLite keeps it). Text
 * Slipway stores never needs a NUL (JSON escapes it; logs are bytes); a webhook's error answer might
 * carry one, and must not make the write fail.
 */
const withoutNul = (params: SqlValue[]) => params.map((p) => (typeof p === 'string' && p.includes('\u0000') ? p.replaceAll('\u0000', '\uFFFD') : p))

/** Statements on one connection in a transaction; `atomic` joins it, taking its locks as it goes. */
function sqlOn(q: Queryable): Sql {
  const query = (text: string, params: SqlValue[]) => q.query({ text: numberedPlaceholders(text), values: withoutNul(params) })
  const sql: Sql = {
    dialect: 'postgres',
    all: async (text, ...params) => (await query(text, params)).rows,
    get: async (text, ...params) => (await query(text, params)).rows[0],
    run: async (text, ...params) => (await query(text, params)).rowCount ?? 0,
    exec: async (script) => void (await q.query(script)),
    atomic: async (fn, options) => {
      await takeLocks(q, lockKeys(options))
      return fn(sql)
    },
  }
  return sql
}

export type PostgresOptions = { url: string; poolSize?: number; onError?: (err: unknown, context: string) => void }

/**
 * PostgreSQL through `pg`: a pool for statements and transactions, `pg_advisory_xact_lock` for the
 * subjects a transaction locks, and one dedicated connection that LISTENs for signals (reconnected with
 * backoff; listeners get a resync after a reconnect, since signals sent meanwhile are lost).
 */
export async function openPostgresDatabase(options: PostgresOptions): Promise<Database> {
  const onError = options.onError ?? (() => undefined)
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types })
  pool.on('error', (err) => onError(err, 'idle PostgreSQL connection'))
  const scope = new TransactionScope()
  const pooled = sqlOn(pool as unknown as Queryable)
  // A statement outside a transaction, issued from inside one, would take a second connection: with
  // every pooled connection held by transactions waiting for this one's lock, it would wait forever.
  const guard = <T>(fn: () => Promise<T>) => (scope.inside ? Promise.reject(new Error('a statement outside the transaction, from inside a transaction: use the transaction\'s store')) : fn())
  const autocommit: Sql = {
    dialect: 'postgres',
    atomic: (fn, options) => database.transaction(fn, options),
    all: (text, ...params) => guard(() => pooled.all(text, ...params)),
    get: (text, ...params) => guard(() => pooled.get(text, ...params)),
    run: (text, ...params) => guard(() => pooled.run(text, ...params)),
    exec: (script) => guard(() => pooled.exec(script)),
  }
  // A database that cannot be reached fails the start, and leaves no pool behind to keep the process alive.
  let signals: Awaited<ReturnType<typeof listenForSignals>>
  try {
    await pool.query('SELECT 1')
    signals = await listenForSignals(options.url, (text, values) => pool.query(text, values), onError)
  } catch (err) {
    await pool.end().catch(() => undefined)
    throw err
  }

  const database: Database = {
    dialect: 'postgres',
    sql: autocommit,
    signals,
    transaction<T>(fn: (sql: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T> {
      const keys = lockKeys(opts)
      return runTransaction(
        scope,
        async () => {
          const client = await pool.connect()
          let broken: Error | undefined
          try {
            await client.query('BEGIN')
            try {
              await takeLocks(client as unknown as Queryable, keys)
              const result = await scope.enter(() => fn(sqlOn(client as unknown as Queryable)))
              await client.query('COMMIT')
              return result
            } catch (err) {
              await client.query('ROLLBACK').catch((e: Error) => (broken = e))
              throw err
            }
          } finally {
            client.release(broken)
          }
        },
        retryable,
      )
    },
    async close() {
      await signals.close()
      await pool.end()
    },
  }
  return database
}

/**
 * Signals over LISTEN/NOTIFY on one channel (`slipway_signals`), each notification carrying the
 * sender's id, the logical channel and the payload. The sender's own listeners are called at once,
 * locally; its own notification coming back from the server is skipped.
 */
async function listenForSignals(url: string, query: (text: string, values: unknown[]) => Promise<unknown>, onError: (err: unknown, context: string) => void): Promise<Signals & { close(): Promise<void> }> {
  const self = randomUUID()
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  let client: pg.Client | undefined
  let closed = false
  let started = false
  let retryTimer: NodeJS.Timeout | undefined

  const deliver = (channel: string, payload: string | undefined) => emitter.emit(channel, payload)
  const resyncAll = () => {
    for (const name of emitter.eventNames()) deliver(String(name), undefined)
  }
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url })
    c.on('notification', (n) => {
      if (!n.payload) return
      const [sender, channel, ...rest] = n.payload.split('\n')
      if (sender !== self && channel) deliver(channel, rest.join('\n'))
    })
    const reconnect = (err?: unknown) => {
      if (closed || !started || client !== c) return
      client = undefined
      if (err) onError(err, 'PostgreSQL LISTEN connection lost; reconnecting')
      void c.end().catch(() => undefined)
      retryTimer = setTimeout(() => void connect().then(resyncAll, (e: unknown) => reconnect(e)), 500)
    }
    c.on('error', reconnect)
    c.on('end', () => reconnect())
    client = c
    try {
      await c.connect()
      await c.query(`LISTEN ${SIGNAL_CHANNEL}`)
    } catch (err) {
      reconnect(err)
      throw err
    }
  }
  await connect()
  started = true

  return {
    send(channel, payload = '') {
      setImmediate(() => deliver(channel, payload))
      query('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, `${self}\n${channel}\n${payload}`]).catch((err: unknown) => onError(err, 'sending a signal'))
    },
    listen(channel, listener) {
      emitter.on(channel, listener)
      return () => emitter.off(channel, listener)
    },
    async close() {
      closed = true
      if (retryTimer) clearTimeout(retryTimer)
      await client?.end().catch(() => undefined)
    },
  }
}
