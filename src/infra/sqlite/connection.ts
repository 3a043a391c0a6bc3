import { DatabaseSync } from 'node:sqlite'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Serialises async critical sections (SQLite has one writer; our transactions may await). */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

/** How a sub-store reaches the database: reads and writes, in or outside a transaction. */
export interface Conn {
  read<T>(fn: (db: DatabaseSync) => T): Promise<T>
  write<T>(fn: (db: DatabaseSync) => T): Promise<T>
}

export function openDatabase(file: string): DatabaseSync {
  const db = new DatabaseSync(file)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
  return db
}

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/** Applies numbered migrations (`NNN-name.sql`) not yet applied, each in its own transaction. */
export function migrate(db: DatabaseSync): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').all().map((r) => Number(r.version)))
  const done: number[] = []
  for (const file of fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}-.+\.sql$/.test(f)).sort()) {
    const version = Number(file.slice(0, 3))
    if (applied.has(version)) continue
    db.exec('BEGIN IMMEDIATE')
    try {
      db.exec(fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'))
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, file, Date.now())
      db.exec('COMMIT')
    } catch (err) {
      db.exec('ROLLBACK')
      throw new Error(`migration ${file} failed: ${(err as Error).message}`)
    }
    done.push(version)
  }
  return done
}

/** Epoch milliseconds <-> Date at the SQL edge. */
export const toMs = (d: Date): number => d.getTime()
export const fromMs = (v: unknown): Date => new Date(Number(v))
export const optString = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))
