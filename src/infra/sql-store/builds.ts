import type { Row, Sql } from '../sql/sql.ts'
import type { BuildRecord, BuildStore, PhaseRecord, StopReason } from '../../build/records.ts'
import type { RunnerRequirements } from '../../build/model/runner-match.ts'

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

/** `builds.stop_requested`: 0 not asked, else the reason's code. */
const STOP_REASONS: Record<number, StopReason> = { 1: 'STOPPED', 2: 'TIMED_OUT' }
const STOP_CODES: Record<StopReason, number> = { STOPPED: 1, TIMED_OUT: 2 }
/** How many queued builds a claim looks through for one its runner accepts. */
const CLAIM_WINDOW = 200

function toRecord(r: Row): BuildRecord {
  const s = JSON.parse(String(r.record)) as Stored
  return {
    ...s,
    status: String(r.status) as BuildRecord['status'],
    currentPhase: String(r.current_phase),
    stopRequested: Number(r.stop_requested) > 0,
    ...(Number(r.stop_requested) > 0 ? { stopReason: STOP_REASONS[Number(r.stop_requested)] ?? 'STOPPED' } : {}),
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
    // The first reason stands (a build stopped, then timed out, ends STOPPED).
    requestStop: async (id, reason = 'STOPPED') =>
      (await sql.run("UPDATE builds SET stop_requested = CASE WHEN stop_requested = 0 THEN ? ELSE stop_requested END WHERE id = ? AND status = 'IN_PROGRESS'", STOP_CODES[reason], id)) === 1,
    delete: (id) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM jobs WHERE subject_id = ?', id)
      await sql.run('DELETE FROM build_log_chunks WHERE build_id = ?', id)
      return (await sql.run('DELETE FROM builds WHERE id = ?', id)) === 1
    }),
    unfinished: async () => (await sql.all("SELECT * FROM builds WHERE status = 'IN_PROGRESS' ORDER BY start_time")).map(toRecord),
    // One claim at a time (in every process): the project's concurrent build limit counts claimed jobs.
    claimNext: (owner, now, leaseUntil, accepts) => sql.atomic(async (sql) => {
      const candidates = await sql.all(`
        SELECT j.id, j.subject_id, j.payload FROM jobs j JOIN builds b ON b.id = j.subject_id
        WHERE j.kind = 'build' AND j.status = 'queued' AND j.not_before <= ?
          AND (b.concurrent_limit IS NULL OR (
            SELECT COUNT(*) FROM jobs j2 JOIN builds b2 ON b2.id = j2.subject_id
            WHERE j2.kind = 'build' AND j2.status = 'claimed' AND b2.project_name = b.project_name) < b.concurrent_limit)
        ORDER BY j.created_at, j.id LIMIT ?`, now.getTime(), CLAIM_WINDOW)
      const chosen = candidates.find((c) => !accepts || accepts(((JSON.parse(String(c.payload)) as { requires?: RunnerRequirements }).requires) ?? {}))
      if (!chosen) return undefined
      const claimed = await sql.run(
        "UPDATE jobs SET status = 'claimed', owner = ?, lease_expires_at = ?, attempt = attempt + 1, updated_at = ? WHERE id = ? AND status = 'queued'",
        owner, leaseUntil.getTime(), now.getTime(), String(chosen.id),
      )
      return claimed === 1 ? { jobId: String(chosen.id), buildId: String(chosen.subject_id) } : undefined
    }, { lock: 'jobs:claim-build' }),
  }
}
