import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { Job, JobQueue } from '../jobs.ts'

const toJob = (r: Record<string, unknown>): Job => ({
  id: String(r.id),
  kind: String(r.kind),
  subjectId: String(r.subject_id),
  status: String(r.status) as Job['status'],
  payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
  owner: r.owner === null ? undefined : String(r.owner),
  leaseExpiresAt: r.lease_expires_at === null ? undefined : fromMs(r.lease_expires_at),
  attempt: Number(r.attempt),
  maxAttempts: Number(r.max_attempts),
  notBefore: fromMs(r.not_before),
  createdAt: fromMs(r.created_at),
})

export function sqliteJobs(conn: Conn): JobQueue {
  return {
    enqueue: (j) =>
      conn.write((db) => {
        db.prepare("INSERT INTO jobs (id, kind, subject_id, status, payload, max_attempts, not_before, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)")
          .run(j.id, j.kind, j.subjectId, JSON.stringify(j.payload ?? {}), j.maxAttempts ?? 1, j.notBefore?.getTime() ?? 0, j.at.getTime(), j.at.getTime())
      }),
    renew: (id, owner, until, now) =>
      conn.write((db) => Number(db.prepare("UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'claimed'").run(until.getTime(), now.getTime(), id, owner).changes) === 1),
    complete: (id, owner, status, now) =>
      conn.write((db) => {
        const sql = owner === undefined
          ? "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'claimed')"
          : "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND owner = ? AND status = 'claimed'"
        const args = owner === undefined ? [status, now.getTime(), id] : [status, now.getTime(), id, owner]
        return Number(db.prepare(sql).run(...args).changes) === 1
      }),
    expired: (kind, now) => conn.read((db) => db.prepare("SELECT * FROM jobs WHERE kind = ? AND status = 'claimed' AND lease_expires_at < ?").all(kind, now.getTime()).map(toJob)),
    claim: (kind, owner, now, leaseUntil) =>
      conn.write((db) => {
        const row = db.prepare("SELECT * FROM jobs WHERE kind = ? AND status = 'queued' AND not_before <= ? ORDER BY created_at, id LIMIT 1").get(kind, now.getTime())
        if (!row) return undefined
        const changes = db.prepare("UPDATE jobs SET status = 'claimed', owner = ?, lease_expires_at = ?, attempt = attempt + 1, updated_at = ? WHERE id = ? AND status = 'queued'")
          .run(owner, leaseUntil.getTime(), now.getTime(), String(row.id)).changes
        return Number(changes) === 1 ? { ...toJob(row), status: 'claimed' as const, owner, leaseExpiresAt: leaseUntil, attempt: Number(row.attempt) + 1 } : undefined
      }),
    requeue: (id, now) =>
      conn.write((db) => Number(db.prepare("UPDATE jobs SET status = 'queued', owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND status = 'claimed'").run(now.getTime(), id).changes) === 1),
    bySubject: (subjectId) => conn.read((db) => db.prepare('SELECT * FROM jobs WHERE subject_id = ? ORDER BY created_at').all(subjectId).map(toJob)),
  }
}
