/**
 * The async SQL layer every sub-store is written on, once, in portable SQL. Two drivers implement it:
 * `node:sqlite` (embedded) and PostgreSQL through `pg` (scale-out).
 *
 * Portable SQL here means: `?` placeholders (the PostgreSQL driver numbers them), `ON CONFLICT … DO
 * NOTHING/UPDATE` instead of `INSERT OR …`, `RETURNING` instead of last-insert ids, integers for times
 * (epoch ms) and booleans (0/1), JSON as TEXT. Text compares and sorts byte-wise on both (the drivers
 * see to it: SQLite's BINARY collation, `COLLATE "C"` on PostgreSQL text columns), so queries never say
 * how to collate. Integer columns come back as JavaScript numbers from both drivers.
 */
export type SqlValue = string | number | bigint | null | Uint8Array
export type Row = Record<string, unknown>

/** Statements on one connection: inside a transaction, or each in its own (autocommit). */
export interface Sql {
  /** For the few clauses only one database has (`FOR UPDATE SKIP LOCKED`, transaction ids). */
  readonly dialect: 'sqlite' | 'postgres'
  /** All rows of a query (a SELECT, or a write with RETURNING). */
  all(text: string, ...params: SqlValue[]): Promise<Row[]>
  /** The first row of a query, if any. */
  get(text: string, ...params: SqlValue[]): Promise<Row | undefined>
  /** Runs a write; resolves with the number of rows it changed. */
  run(text: string, ...params: SqlValue[]): Promise<number>
  /** Runs a script of statements without parameters (migrations). */
  exec(script: string): Promise<void>
  /**
   * Runs `fn` atomically: inside a transaction, as part of it (taking `lock` too); outside, as a
   * transaction of its own. What a sub-store method that writes more than once runs in.
   */
  atomic<T>(fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>
}

export type TransactionOptions = {
  /**
   * Subjects to lock before `fn` runs (an execution's pipeline, a deployment, a repository, a job):
   * `pg_advisory_xact_lock` on PostgreSQL, held until commit or rollback; on SQLite the single writer
   * already serialises every transaction. Keys are locked in sorted order (no deadlock between two
   * transactions that lock the same set).
   */
  lock?: string | readonly string[]
}

/**
 * A database: autocommit statements, transactions, wake-ups across processes, and the driver's name.
 *
 * Contract: `transaction(fn)` commits when `fn` resolves and rolls back when it throws. Every read of
 * state that a transaction then changes must happen inside it, after its locks are taken. When `fn`
 * throws `TransactionConflict` (a guarded save found zero rows) or the database reports a
 * serialization failure or deadlock, the whole transaction is rolled back and `fn` runs again (a few
 * times): `fn` must therefore do nothing but database work. Never start a transaction inside another.
 */
export interface Database {
  readonly dialect: 'sqlite' | 'postgres'
  readonly sql: Sql
  transaction<T>(fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>
  readonly signals: Signals
  close(): Promise<void>
}

/**
 * Wake-ups across processes: `NOTIFY`/`LISTEN` on PostgreSQL, an in-process emitter on SQLite. A
 * signal says only "look again": whoever wakes re-reads state and never trusts a signal alone, since
 * signals are lost when a connection drops (listeners then get `resync`, meaning "you may have missed
 * some; re-read everything you follow").
 */
export interface Signals {
  /** Sends `payload` on `channel` (after commit, when called outside a transaction). */
  send(channel: string, payload?: string): void
  /** Calls `listener(payload)` for every signal on `channel`, and `listener(undefined)` on a resync. */
  listen(channel: string, listener: (payload: string | undefined) => void): () => void
}

/** A guarded write changed no rows: someone else changed the subject first. The transaction is retried. */
export class TransactionConflict extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TransactionConflict'
  }
}

/** How many times a conflicted transaction runs before the conflict is reported. */
export const TRANSACTION_ATTEMPTS = 5

/** Epoch milliseconds <-> Date and friends, at the SQL edge. */
export const toMs = (d: Date): number => d.getTime()
export const fromMs = (v: unknown): Date => new Date(Number(v))
export const optDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(Number(v)))
export const optString = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))
export const parseJson = <T>(v: unknown): T => JSON.parse(String(v)) as T

/** `?, ?, ?` for an IN list of `n` values. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ')

/**
 * Whether `err` is a uniqueness violation (of `table.column`, when given) from either driver:
 * SQLite says `UNIQUE constraint failed: table.column`; PostgreSQL's code 23505 names the constraint
 * `table_column_key` (a UNIQUE column) or `table_pkey`.
 */
export function isUniqueViolation(err: unknown, table?: string, column?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | undefined
  if (e?.code === '23505') return table === undefined || e.constraint === `${table}_${column}_key` || (column === undefined && e.constraint === `${table}_pkey`)
  const m = /UNIQUE constraint failed: ([\w.]+)/.exec(e?.message ?? '')
  return m !== null && (table === undefined || m[1] === `${table}.${column}`)
}
