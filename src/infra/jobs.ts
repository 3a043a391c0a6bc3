/** A unit of work with a lease (see the `jobs` table). */
export type Job = {
  id: string
  kind: string
  /** Who may take it within its kind: an agent's host, a custom action type ('' for everyone). */
  queue: string
  subjectId: string
  status: 'queued' | 'claimed' | 'done' | 'failed'
  payload: Record<string, unknown>
  /** How far a claimed job has got, in its kind's words (an agent acknowledged its command). */
  progress?: string
  owner?: string
  leaseExpiresAt?: Date
  attempt: number
  maxAttempts: number
  notBefore: Date
  createdAt: Date
}

/**
 * The jobs port: all dispatched work of every kind (builds, pipeline actions, host commands for
 * agents, custom actions for job workers). A job is claimed with one conditional update (`FOR UPDATE
 * SKIP LOCKED` on PostgreSQL), so two claimers in any processes never get the same job; it is kept
 * alive by renewing its lease and finished once with `complete` (guarded: a second completion, or one
 * by a former owner, changes nothing and returns false). A job whose lease expired is found by
 * `expired()` and re-queued or failed by its context's reconciler — on every server, safely, since
 * `requeue` and `complete` are guarded too.
 */
export interface JobQueue {
  enqueue(job: { id: string; kind: string; queue?: string; subjectId: string; payload?: Record<string, unknown>; maxAttempts?: number; notBefore?: Date; at: Date }): Promise<void>
  /** Extends a claimed job's lease (and records its progress); false when `owner` no longer holds it. */
  renew(id: string, owner: string, leaseUntil: Date, now: Date, progress?: string): Promise<boolean>
  /** Finishes a job; with `owner` only that owner's claim, without it any queued or claimed job. */
  complete(id: string, owner: string | undefined, status: 'done' | 'failed', now: Date): Promise<boolean>
  expired(kind: string, now: Date): Promise<Job[]>
  /** Claims the oldest claimable job of `kind` in `queue` for `owner` until `leaseUntil`. */
  claim(kind: string, owner: string, now: Date, leaseUntil: Date, queue?: string): Promise<Job | undefined>
  /** Withdraws a job nobody has claimed yet (it ends failed); false once it is claimed or finished. */
  cancelQueued(id: string, now: Date): Promise<boolean>
  /** Makes a claimed job claimable again (attempt is kept; the claimer increments it). */
  requeue(id: string, now: Date): Promise<boolean>
  /**
   * What a reconciler does with a job it saw expired: only while that same claim (owner and lease)
   * still stands, so a job meanwhile renewed, re-queued or claimed again is left alone.
   */
  requeueExpired(job: Job, now: Date): Promise<boolean>
  failExpired(job: Job, now: Date): Promise<boolean>
  get(id: string): Promise<Job | undefined>
  /** Jobs of `kind` waiting to be claimed, oldest first. */
  queued(kind: string): Promise<Job[]>
  bySubject(subjectId: string): Promise<Job[]>
}
