import type { Row, Sql } from '../sql/sql.ts'
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

function toRecord(r: Row): BuildRecord {
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

export function sqlBuilds(sql: Sql): BuildStore {
  return {
    insert: async (b) => {
      await sql.run(
        'INSERT INTO builds (id, project_name, build_number, status, current_phase, concurrent_limit, start_time, end_time, stop_requested, idempotency_token, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        b.id, b.projectName, b.buildNumber, b.status, b.currentPhase, b.concurrentBuildLimit ?? null, b.startTime.getTime(), b.endTime?.getTime() ?? null, b.stopRequested ? 1 : 0, b.idempotencyToken ?? null, serialize(b),
      )
    },
    get: async (id) => {
      const row = await sql.get('SELECT * FROM builds WHERE id = ?', id)
      return row ? toRecord(row) : undefined
    },
    byIdempotencyToken: async (projectName, token) => {
      const row = await sql.get('SELECT * FROM builds WHERE project_name = ? AND idempotency_token = ?', projectName, token)
      return row ? toRecord(row) : undefined
    },
    listIds: async (order, projectName) => {
      const dir = order === 'ASCENDING' ? 'ASC' : 'DESC'
      const rows = projectName === undefined
        ? await sql.all(`SELECT id FROM builds ORDER BY start_time ${dir}, build_number ${dir}`)
        : await sql.all(`SELECT id FROM builds WHERE project_name = ? ORDER BY build_number ${dir}`, projectName)
      return rows.map((r) => String(r.id))
    },
    save: async (b, expected) =>
      (await sql.run('UPDATE builds SET status = ?, current_phase = ?, end_time = ?, record = ? WHERE id = ? AND status = ?', b.status, b.currentPhase, b.endTime?.getTime() ?? null, serialize(b), b.id, expected)) === 1,
    requestStop: async (id) => (await sql.run("UPDATE builds SET stop_requested = 1 WHERE id = ? AND status = 'IN_PROGRESS'", id)) === 1,
    delete: (id) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM jobs WHERE subject_id = ?', id)
      await sql.run('DELETE FROM build_log_chunks WHERE build_id = ?', id)
      return (await sql.run('DELETE FROM builds WHERE id = ?', id)) === 1
    }),
    unfinished: async () => (await sql.all("SELECT * FROM builds WHERE status = 'IN_PROGRESS' ORDER BY start_time")).map(toRecord),
    // One claim at a time (in every process): the project's concurrent build limit counts claimed jobs.
    claimNext: (owner, now, leaseUntil) => sql.atomic(async (sql) => {
      const row = await sql.get(`
        UPDATE jobs SET status = 'claimed', owner = ?, lease_expires_at = ?, attempt = attempt + 1, updated_at = ?
        WHERE status = 'queued' AND id = (
          SELECT j.id FROM jobs j JOIN builds b ON b.id = j.subject_id
          WHERE j.kind = 'build' AND j.status = 'queued' AND j.not_before <= ?
            AND (b.concurrent_limit IS NULL OR (
              SELECT COUNT(*) FROM jobs j2 JOIN builds b2 ON b2.id = j2.subject_id
              WHERE j2.kind = 'build' AND j2.status = 'claimed' AND b2.project_name = b.project_name) < b.concurrent_limit)
          ORDER BY j.created_at, j.id LIMIT 1)
        RETURNING id, subject_id`, owner, leaseUntil.getTime(), now.getTime(), now.getTime())
      return row ? { jobId: String(row.id), buildId: String(row.subject_id) } : undefined
    }, { lock: 'jobs:claim-build' }),
  }
}
