import type { AccessKeyStore } from '../identity/access-keys.ts'
import type { RepositoryStore } from '../git/records.ts'
import type { EventOutbox } from '../events/outbox.ts'
import type { TagStore } from './tags.ts'
import type { BuildLogStore, BuildStore, FleetStore, ProjectStore, ReportStore, RunnerStore, SecretStore } from '../build/records.ts'
import type { JobQueue } from './jobs.ts'
import type { PipelineStore } from '../pipeline/records.ts'
import type { DeployStore } from '../deploy/records.ts'
import type { NotificationStore } from '../events/notifications/records.ts'
import type { ConsoleSessionStore } from '../web/records.ts'
import type { RegistryStore } from '../registry/records.ts'

import type { Signals, TransactionOptions } from './sql/sql.ts'

/** One audited call: who, what, on which resource, and how it ended (`ok`, or the error code). */
export type AuditEntry = { at: Date; principal: string; action: string; resource?: string; requestId: string; outcome?: string }

/** Which entries `AuditLog.query` returns: each given field must match (`resource` and `action` as substrings). */
export type AuditFilter = { principal?: string; action?: string; resource?: string; since?: Date; until?: Date; limit: number }

/**
 * Who changed what (CloudTrail-like): every change made through an API, the console or S3, failed
 * ones and refused credentials too. `recent` and `query` are newest first.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>
  recent(limit: number): Promise<AuditEntry[]>
  query(filter: AuditFilter): Promise<AuditEntry[]>
}

/**
 * The `Store` port: every piece of durable state behind one object, grouped by context.
 *
 * Contract: methods are async and may be called concurrently, from several processes (PostgreSQL).
 * Calls made on the store itself each run in their own transaction. `transaction(fn, { lock })` runs
 * `fn` with a store whose calls all belong to one transaction; it commits when `fn` resolves and rolls
 * back when it throws. What holds concurrently: a transaction that locks a subject (`lock: key`) runs
 * alone among the transactions locking that key (in every process), and sees every change committed
 * before it took the lock — so a read-modify-write of shared state reads inside the transaction, after
 * the lock. Guarded saves (a revision or status compare-and-set) throw `TransactionConflict` when
 * they change nothing, and the transaction runs again. Transactions that lock different subjects run
 * concurrently on PostgreSQL (SQLite runs one at a time). Do no slow I/O inside `fn` (git, docker,
 * HTTP): it holds its locks and a connection. Never start a transaction inside another.
 */
export interface Store {
  readonly keys: AccessKeyStore
  readonly repositories: RepositoryStore
  readonly tags: TagStore
  readonly events: EventOutbox
  readonly projects: ProjectStore
  readonly builds: BuildStore
  readonly buildLogs: BuildLogStore
  readonly runners: RunnerStore
  readonly fleets: FleetStore
  readonly secrets: SecretStore
  readonly jobs: JobQueue
  readonly reports: ReportStore
  readonly pipelines: PipelineStore
  readonly deploy: DeployStore
  readonly notifications: NotificationStore
  readonly consoleSessions: ConsoleSessionStore
  readonly registry: RegistryStore
  readonly audit: AuditLog
  transaction<T>(fn: (tx: Store) => Promise<T>, options?: TransactionOptions): Promise<T>
  /** Wake-ups across every process on this store (see `Signals`). */
  readonly signals: Signals
  close(): Promise<void>
}

/** The sub-stores by name: what a context may be given a slice of. */
export type SubStores = Omit<Store, 'transaction' | 'signals' | 'close'>

/**
 * A context's slice of the store: only the sub-stores it owns or reads, transactions over just those,
 * and the signals. Any `Store` is one; a context cannot reach the rest.
 */
export type StoreSlice<K extends keyof SubStores> = Pick<SubStores, K> & {
  transaction<T>(fn: (tx: Pick<SubStores, K>) => Promise<T>, options?: TransactionOptions): Promise<T>
  readonly signals: Signals
}
