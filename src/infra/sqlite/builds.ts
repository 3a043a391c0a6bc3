import type { Conn } from './connection.ts'
import type { BuildRecord, BuildStore, PhaseRecord } from '../../build/records.ts'

type Stored = Omit<BuildRecord, 'startTime' | 'endTime' | 'phases'> & { startTime: number; endTime?: number; phases: (Omit<PhaseRecord, 'startTime' | 'endTime'> & { startTime: number; endTime?: number })[] }

function serialize(b: BuildRecord): string {
  const stored: Stored = {
    ...b,
    startTime: b.startTime.getTime(),
    endTime: b.endTime?.getTime(),
    phases: b.phases.map((p) => ({ ...p, startTime: p.startTime.getTime(), endTime: p.endTime?.getTime() })),
  }
  return JSON.stringify(stored)
}

function toRecord(r: Record<string, unknown>): BuildRecord {
  const s = JSON.parse(String(r.record)) as Stored
  return {
    ...s,
    status: String(r.status) as BuildRecord['status'],
    currentPhase: String(r.current_phase),
    stopRequested: Number(r.stop_requested) === 1,
    startTime: new Date(s.startTime),
    endTime: s.endTime === undefined ? undefined : new Date(s.endTime),
    phases: s.phases.map((p) => ({ ...p, startTime: new Date(p.startTime), endTime: p.endTime === undefined ? undefined : new Date(p.endTime) })),
  }
}

export function sqliteBuilds(conn: Conn): BuildStore {
  return {
    insert: (b) =>
      conn.write((db) => {
        db.prepare(
          'INSERT INTO builds (id, project_name, build_number, status, current_phase, concurrent_limit, start_time, end_time, stop_requested, idempotency_token, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(b.id, b.projectName, b.buildNumber, b.status, b.currentPhase, b.concurrentBuildLimit ?? null, b.startTime.getTime(), b.endTime?.getTime() ?? null, b.stopRequested ? 1 : 0, b.idempotencyToken ?? null, serialize(b))
      }),
    get: (id) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM builds WHERE id = ?').get(id)
      return row ? toRecord(row) : undefined
    }),
    byIdempotencyToken: (projectName, token) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM builds WHERE project_name = ? AND idempotency_token = ?').get(projectName, token)
      return row ? toRecord(row) : undefined
    }),
    listIds: (order, projectName) => conn.read((db) => {
      const dir = order === 'ASCENDING' ? 'ASC' : 'DESC'
      const rows = projectName === undefined
        ? db.prepare(`SELECT id FROM builds ORDER BY start_time ${dir}, build_number ${dir}`).all()
        : db.prepare(`SELECT id FROM builds WHERE project_name = ? ORDER BY build_number ${dir}`).all(projectName)
      return rows.map((r) => String(r.id))
    }),
    save: (b, expected) =>
      conn.write((db) =>
        Number(db.prepare('UPDATE builds SET status = ?, current_phase = ?, end_time = ?, record = ? WHERE id = ? AND status = ?')
          .run(b.status, b.currentPhase, b.endTime?.getTime() ?? null, serialize(b), b.id, expected).changes) === 1,
      ),
    requestStop: (id) => conn.write((db) => Number(db.prepare("UPDATE builds SET stop_requested = 1 WHERE id = ? AND status = 'IN_PROGRESS'").run(id).changes) === 1),
    delete: (id) =>
      conn.write((db) => {
        db.prepare('DELETE FROM jobs WHERE subject_id = ?').run(id)
        return Number(db.prepare('DELETE FROM builds WHERE id = ?').run(id).changes) === 1
      }),
    unfinished: () => conn.read((db) => db.prepare("SELECT * FROM builds WHERE status = 'IN_PROGRESS' ORDER BY start_time").all().map(toRecord)),
    claimNext: (owner, now, leaseUntil) =>
      conn.write((db) => {
        const row = db.prepare(`
          SELECT j.id AS job_id, b.id AS build_id FROM jobs j JOIN builds b ON b.id = j.subject_id
          WHERE j.kind = 'build' AND j.status = 'queued' AND j.not_before <= ?
            AND (b.concurrent_limit IS NULL OR (
              SELECT COUNT(*) FROM jobs j2 JOIN builds b2 ON b2.id = j2.subject_id
              WHERE j2.kind = 'build' AND j2.status = 'claimed' AND b2.project_name = b.project_name) < b.concurrent_limit)
          ORDER BY j.created_at, j.id LIMIT 1`).get(now.getTime())
        if (!row) return undefined
        const claimed = db.prepare("UPDATE jobs SET status = 'claimed', owner = ?, lease_expires_at = ?, attempt = attempt + 1, updated_at = ? WHERE id = ? AND status = 'queued'")
          .run(owner, leaseUntil.getTime(), now.getTime(), String(row.job_id)).changes
        return Number(claimed) === 1 ? { jobId: String(row.job_id), buildId: String(row.build_id) } : undefined
      }),
  }
}
