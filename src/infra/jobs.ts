/** A unit of work with a lease (see the `jobs` table). */
export type Job = {
  id: string
  kind: string
  subjectId: string
  status: 'queued' | 'claimed' | 'done' | 'failed'
  payload: Record<string, unknown>
  owner?: string
  leaseExpiresAt?: Date
  attempt: number
  maxAttempts: number
  notBefore: Date
  createdAt: Date
}

/**
 * The jobs port. A job is claimed with a guarded update (never by two owners), kept alive by renewing
 * its lease, and finished with `complete`. A job whose lease expired is found by `expired()` and is
 * either re-queued or failed by its context's reconciler.
 */
export interface JobQueue {
  enqueue(job: { id: string; kind: string; subjectId: string; payload?: Record<string, unknown>; maxAttempts?: number; notBefore?: Date; at: Date }): Promise<void>
  renew(id: string, owner: string, leaseUntil: Date, now: Date): Promise<boolean>
  complete(id: string, owner: string | undefined, status: 'done' | 'failed', now: Date): Promise<boolean>
  expired(kind: string, now: Date): Promise<Job[]>
  /** Claims the oldest claimable job of `kind` for `owner` until `leaseUntil` (guarded update). */
  claim(kind: string, owner: string, now: Date, leaseUntil: Date): Promise<Job | undefined>
  /** Makes an expired claim claimable again (attempt is kept; the claimer increments it). */
  requeue(id: string, now: Date): Promise<boolean>
  bySubject(subjectId: string): Promise<Job[]>
}
