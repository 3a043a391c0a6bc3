import { fromMs, optDate, optString, type Row, type Sql } from '../sql/sql.ts'
import type { Job, JobQueue } from '../jobs.ts'

const toJob = (r: Row): Job => ({
  id: String(r.id),
  kind: String(r.kind),
  queue: String(r.queue),
  subjectId: String(r.subject_id),
  status: String(r.status) as Job['status'],
  payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
  progress: optString(r.progress),
  owner: optString(r.owner),
  leaseExpiresAt: optDate(r.lease_expires_at),
  attempt: Number(r.attempt),
  maxAttempts: Number(r.max_attempts),
  notBefore: fromMs(r.not_before),
  createdAt: fromMs(r.created_at),
})

/** `FOR UPDATE SKIP LOCKED` where the database has it: concurrent claimers pass over each other's rows. */
export const skipLocked = (sql: Sql) => (sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '')

export function sqlJobs(sql: Sql): JobQueue {
  return {
    enqueue: async (j) => {
      await sql.run("INSERT INTO jobs (id, kind, queue, subject_id, status, payload, max_attempts, not_before, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
        j.id, j.kind, j.queue ?? '', j.subjectId, JSON.stringify(j.payload ?? {}), j.maxAttempts ?? 1, j.notBefore?.getTime() ?? 0, j.at.getTime(), j.at.getTime())
    },
    renew: async (id, owner, until, now, progress) =>
      (await sql.run("UPDATE jobs SET lease_expires_at = ?, updated_at = ?, progress = COALESCE(?, progress) WHERE id = ? AND owner = ? AND status = 'claimed'",
        until.getTime(), now.getTime(), progress ?? null, id, owner)) === 1,
    complete: async (id, owner, status, now) =>
      owner === undefined
        ? (await sql.run("UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'claimed')", status, now.getTime(), id)) === 1
        : (await sql.run("UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'claimed'", status, now.getTime(), id, owner)) === 1,
    expired: async (kind, now) => (await sql.all("SELECT * FROM jobs WHERE kind = ? AND status = 'claimed' AND lease_expires_at < ?", kind, now.getTime())).map(toJob),
    claim: async (kind, owner, now, leaseUntil, queue = '') => {
      const row = await sql.get(`UPDATE jobs SET status = 'claimed', owner = ?, lease_expires_at = ?, attempt = attempt + 1, progress = NULL, updated_at = ?
        WHERE status = 'queued' AND id = (SELECT id FROM jobs WHERE kind = ? AND queue = ? AND status = 'queued' AND not_before <= ? ORDER BY created_at, id LIMIT 1${skipLocked(sql)})
        RETURNING *`, owner, leaseUntil.getTime(), now.getTime(), kind, queue, now.getTime())
      return row ? toJob(row) : undefined
    },
    requeueExpired: async (j, now) =>
      (await sql.run("UPDATE jobs SET status = 'queued', owner = NULL, lease_expires_at = NULL, progress = NULL, updated_at = ? WHERE id = ? AND status = 'claimed' AND owner = ? AND lease_expires_at = ?",
        now.getTime(), j.id, j.owner ?? null, j.leaseExpiresAt?.getTime() ?? null)) === 1,
    failExpired: async (j, now) =>
      (await sql.run("UPDATE jobs SET status = 'failed', updated_at = ? WHERE id = ? AND status = 'claimed' AND owner = ? AND lease_expires_at = ?",
        now.getTime(), j.id, j.owner ?? null, j.leaseExpiresAt?.getTime() ?? null)) === 1,
    cancelQueued: async (id, now) => (await sql.run("UPDATE jobs SET status = 'failed', updated_at = ? WHERE id = ? AND status = 'queued'", now.getTime(), id)) === 1,
    requeue: async (id, now) =>
      (await sql.run("UPDATE jobs SET status = 'queued', owner = NULL, lease_expires_at = NULL, progress = NULL, updated_at = ? WHERE id = ? AND status = 'claimed'", now.getTime(), id)) === 1,
    get: async (id) => {
      const row = await sql.get('SELECT * FROM jobs WHERE id = ?', id)
      return row ? toJob(row) : undefined
    },
    queued: async (kind) => (await sql.all("SELECT * FROM jobs WHERE kind = ? AND status = 'queued' ORDER BY created_at, id", kind)).map(toJob),
    bySubject: async (subjectId) => (await sql.all('SELECT * FROM jobs WHERE subject_id = ? ORDER BY created_at', subjectId)).map(toJob),
  }
}
