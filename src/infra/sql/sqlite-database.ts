import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { EventEmitter } from 'node:events'
import type { Database, Signals, Sql, TransactionOptions } from './sql.ts'
import { runTransaction, TransactionScope } from './transaction-scope.ts'

/** Serialises async critical sections (SQLite has one writer; our transactions may await). */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

const STATEMENT_CACHE = 400

/** One connection with its prepared statements kept by text. */
class Connection {
  readonly db: DatabaseSync
  readonly #statements = new Map<string, StatementSync>()

  constructor(file: string) {
    this.db = new DatabaseSync(file)
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
  }

  statement(text: string): StatementSync {
    let s = this.#statements.get(text)
    if (!s) {
      if (this.#statements.size >= STATEMENT_CACHE) this.#statements.clear()
      s = this.db.prepare(text)
      this.#statements.set(text, s)
    }
    return s
  }

  /** Statements on this connection; `atomic` joins the transaction it runs in (SQLite's writer lock covers any `lock`). */
  sql(): Sql {
    const sql: Sql = {
      dialect: 'sqlite',
      all: async (text, ...params) => this.statement(text).all(...(params as never[])),
      get: async (text, ...params) => this.statement(text).get(...(params as never[])),
      run: async (text, ...params) => Number(this.statement(text).run(...(params as never[])).changes),
      exec: async (script) => this.db.exec(script),
      atomic: (fn) => fn(sql),
    }
    return sql
  }
}

const isRead = (text: string) => /^\s*SELECT\b/i.test(text)

/**
 * The embedded database: `node:sqlite` in WAL mode. One writer connection behind a mutex (our
 * transactions await between statements, so they must not interleave: SQLite's single writer is the
 * lock every `transaction` takes, whatever its `lock` keys) and one reader connection, which reads
 * committed state while a write transaction is open. Signals stay in this process.
 */
export function openSqliteDatabase(file: string): Database {
  const writer = new Connection(file)
  const reader = new Connection(file)
  const writes = new Mutex()
  const scope = new TransactionScope()
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)

  const writerSql = writer.sql()
  const readerSql = reader.sql()
  // Outside statements from inside a transaction are refused as on PostgreSQL (a write would wait for
  // the transaction itself; a read would not see what the transaction changed).
  const outside = <T>(fn: () => Promise<T>) => (scope.inside ? Promise.reject(new Error('a statement outside the transaction, from inside a transaction: use the transaction\'s store')) : fn())
  const write = <T>(fn: () => Promise<T>) => outside(() => writes.run(fn))
  const read = <T>(fn: () => Promise<T>) => outside(fn)
  const autocommit: Sql = {
    dialect: 'sqlite',
    atomic: (fn, options) => database.transaction(fn, options),
    all: (text, ...params) => (isRead(text) ? read(() => readerSql.all(text, ...params)) : write(() => writerSql.all(text, ...params))),
    get: (text, ...params) => (isRead(text) ? read(() => readerSql.get(text, ...params)) : write(() => writerSql.get(text, ...params))),
    run: (text, ...params) => write(() => writerSql.run(text, ...params)),
    exec: (script) => write(() => writerSql.exec(script)),
  }

  const signals: Signals = {
    send: (channel, payload) => setImmediate(() => emitter.emit(channel, payload ?? '')),
    listen: (channel, listener) => {
      emitter.on(channel, listener)
      return () => emitter.off(channel, listener)
    },
  }

  const database: Database = {
    dialect: 'sqlite',
    sql: autocommit,
    signals,
    transaction<T>(fn: (sql: Sql) => Promise<T>, _options?: TransactionOptions): Promise<T> {
      return runTransaction(scope, () =>
        writes.run(async () => {
          writer.db.exec('BEGIN IMMEDIATE')
          try {
            const result = await scope.enter(() => fn(writerSql))
            writer.db.exec('COMMIT')
            return result
          } catch (err) {
            // A failed COMMIT (a full disk) may have ended the transaction already: keep its error.
            if (writer.db.isTransaction) writer.db.exec('ROLLBACK')
            throw err
          }
        }),
      )
    },
    async close() {
      reader.db.close()
      writer.db.close()
    },
  }
  return database
}
