import type { AccessKeyStore } from '../identity/access-keys.ts'
import type { RepositoryStore } from '../git/records.ts'
import type { EventOutbox } from '../events/outbox.ts'
import type { TagStore } from './tags.ts'
import type { BuildStore, ProjectStore, ReportStore, SecretStore } from '../build/records.ts'
import type { JobQueue } from './jobs.ts'
import type { PipelineStore } from '../pipeline/records.ts'
import type { DeployStore } from '../deploy/records.ts'
import type { NotificationStore } from '../events/notifications/records.ts'
import type { ConsoleSessionStore } from '../web/records.ts'

export type AuditEntry = { at: Date; principal: string; action: string; resource?: string; requestId: string }

/**
 * The `Store` port: every piece of durable state behind one object, grouped by context.
 *
 * Contract: methods are async and may be called concurrently. Calls made on the store itself each run
 * in their own transaction. `transaction(fn)` runs `fn` with a store whose calls all belong to one
 * transaction (serialisable: transactions never interleave); it commits when `fn` resolves and rolls
 * back when it throws. Do no slow I/O inside `fn` (git, docker, HTTP): it holds the write lock.
 */
export interface Store {
  readonly keys: AccessKeyStore
  readonly repositories: RepositoryStore
  readonly tags: TagStore
  readonly events: EventOutbox
  readonly projects: ProjectStore
  readonly builds: BuildStore
  readonly secrets: SecretStore
  readonly jobs: JobQueue
  readonly reports: ReportStore
  readonly pipelines: PipelineStore
  readonly deploy: DeployStore
  readonly notifications: NotificationStore
  readonly consoleSessions: ConsoleSessionStore
  /** Who changed what: every mutating API call and console command. `recent` is newest first. */
  readonly audit: { append(entry: AuditEntry): Promise<void>; recent(limit: number): Promise<AuditEntry[]> }
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>
  close(): void
}
