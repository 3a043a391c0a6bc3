import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { PipelineJobRecord, PipelineRecord, PipelineStore } from '../../pipeline/records.ts'
import type { ExecutionState } from '../../pipeline/model/execution-types.ts'

const toPipeline = (r: Record<string, unknown>): PipelineRecord => ({
  name: String(r.name),
  version: Number(r.version),
  declaration: JSON.parse(String(r.declaration)),
  normalized: JSON.parse(String(r.normalized)),
  tags: JSON.parse(String(r.tags)),
  transitions: JSON.parse(String(r.transitions)),
  createdAt: fromMs(r.created_at),
  updatedAt: fromMs(r.updated_at),
})
const toExecution = (r: Record<string, unknown>): ExecutionState => JSON.parse(String(r.state)) as ExecutionState
const toJob = (r: Record<string, unknown>): PipelineJobRecord => ({
  id: String(r.id), category: String(r.category), owner: String(r.owner), provider: String(r.provider), version: String(r.version),
  status: String(r.status) as PipelineJobRecord['status'], nonce: String(r.nonce), pipelineName: String(r.pipeline_name), executionId: String(r.execution_id),
  stageName: String(r.stage_name), actionName: String(r.action_name), actionExecutionId: String(r.action_execution_id), data: JSON.parse(String(r.data)),
  continuationToken: r.continuation_token === null ? undefined : String(r.continuation_token), createdAt: fromMs(r.created_at), updatedAt: fromMs(r.updated_at),
})

export function sqlitePipelines(conn: Conn): PipelineStore {
  return {
    insert: (p) =>
      conn.write((db) => {
        db.prepare('INSERT INTO pipelines (name, version, declaration, normalized, tags, transitions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(p.name, p.version, JSON.stringify(p.declaration), JSON.stringify(p.normalized), JSON.stringify(p.tags), JSON.stringify(p.transitions), p.createdAt.getTime(), p.updatedAt.getTime())
        db.prepare('INSERT INTO pipeline_versions (name, version, declaration, created_at) VALUES (?, ?, ?, ?)').run(p.name, p.version, JSON.stringify(p.declaration), p.updatedAt.getTime())
      }),
    get: (name) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM pipelines WHERE name = ?').get(name)
      return row ? toPipeline(row) : undefined
    }),
    list: () => conn.read((db) => db.prepare('SELECT * FROM pipelines ORDER BY name').all().map(toPipeline)),
    update: (p) =>
      conn.write((db) => {
        db.prepare('UPDATE pipelines SET version = ?, declaration = ?, normalized = ?, tags = ?, transitions = ?, updated_at = ? WHERE name = ?')
          .run(p.version, JSON.stringify(p.declaration), JSON.stringify(p.normalized), JSON.stringify(p.tags), JSON.stringify(p.transitions), p.updatedAt.getTime(), p.name)
        db.prepare('INSERT OR IGNORE INTO pipeline_versions (name, version, declaration, created_at) VALUES (?, ?, ?, ?)').run(p.name, p.version, JSON.stringify(p.declaration), p.updatedAt.getTime())
      }),
    delete: (name) =>
      conn.write((db) => {
        db.prepare('DELETE FROM pipeline_versions WHERE name = ?').run(name)
        db.prepare('DELETE FROM pipeline_executions WHERE pipeline_name = ?').run(name)
        return Number(db.prepare('DELETE FROM pipelines WHERE name = ?').run(name).changes) > 0
      }),
    version: (name, version) => conn.read((db) => {
      const row = db.prepare('SELECT declaration FROM pipeline_versions WHERE name = ? AND version = ?').get(name, version)
      return row ? JSON.parse(String(row.declaration)) : undefined
    }),

    insertExecution: (e, token) =>
      conn.write((db) => {
        db.prepare('INSERT INTO pipeline_executions (id, pipeline_name, status, start_time, last_update, client_request_token, state) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(e.id, e.pipelineName, e.status, e.startTime, e.lastUpdateTime, token ?? null, JSON.stringify(e))
      }),
    saveExecution: (e) =>
      conn.write((db) => {
        db.prepare('UPDATE pipeline_executions SET status = ?, last_update = ?, state = ? WHERE id = ?').run(e.status, e.lastUpdateTime, JSON.stringify(e), e.id)
      }),
    execution: (id) => conn.read((db) => {
      const row = db.prepare('SELECT state FROM pipeline_executions WHERE id = ?').get(id)
      return row ? toExecution(row) : undefined
    }),
    executionByToken: (name, token) => conn.read((db) => {
      const row = db.prepare('SELECT state FROM pipeline_executions WHERE pipeline_name = ? AND client_request_token = ?').get(name, token)
      return row ? toExecution(row) : undefined
    }),
    activeExecutions: (name) => conn.read((db) => db.prepare("SELECT state FROM pipeline_executions WHERE pipeline_name = ? AND status IN ('InProgress', 'Stopping') ORDER BY start_time").all(name).map(toExecution)),
    executions: (name, limit, offset, status) => conn.read((db) =>
      (status === undefined
        ? db.prepare('SELECT state FROM pipeline_executions WHERE pipeline_name = ? ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?').all(name, limit, offset)
        : db.prepare('SELECT state FROM pipeline_executions WHERE pipeline_name = ? AND status = ? ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?').all(name, status, limit, offset)
      ).map(toExecution)),
    countExecutions: (name, status) => conn.read((db) =>
      Number((status === undefined
        ? db.prepare('SELECT COUNT(*) AS n FROM pipeline_executions WHERE pipeline_name = ?').get(name)
        : db.prepare('SELECT COUNT(*) AS n FROM pipeline_executions WHERE pipeline_name = ? AND status = ?').get(name, status))?.n ?? 0)),
    latestExecutions: () => conn.read((db) => {
      const rows = db.prepare('SELECT p.name AS name, (SELECT state FROM pipeline_executions WHERE pipeline_name = p.name ORDER BY start_time DESC, id DESC LIMIT 1) AS state FROM pipelines p').all()
      return new Map(rows.filter((r) => r.state !== null).map((r) => [String(r.name), toExecution(r)]))
    }),
    pipelinesWithActiveExecutions: () => conn.read((db) => db.prepare("SELECT DISTINCT pipeline_name FROM pipeline_executions WHERE status IN ('InProgress', 'Stopping')").all().map((r) => String(r.pipeline_name))),

    putCustomActionType: (t) =>
      conn.write((db) => Number(db.prepare('INSERT OR IGNORE INTO custom_action_types (category, provider, version, definition, created_at) VALUES (?, ?, ?, ?, ?)').run(t.category, t.provider, t.version, JSON.stringify(t.definition), t.createdAt.getTime()).changes) === 1),
    customActionTypes: () => conn.read((db) => db.prepare('SELECT * FROM custom_action_types ORDER BY category, provider, version').all().map((r) => ({
      category: String(r.category), provider: String(r.provider), version: String(r.version), definition: JSON.parse(String(r.definition)), createdAt: fromMs(r.created_at),
    }))),
    deleteCustomActionType: (c, p, v) => conn.write((db) => Number(db.prepare('DELETE FROM custom_action_types WHERE category = ? AND provider = ? AND version = ?').run(c, p, v).changes) === 1),

    insertJob: (j) =>
      conn.write((db) => {
        db.prepare('INSERT INTO pipeline_jobs (id, category, owner, provider, version, status, nonce, pipeline_name, execution_id, stage_name, action_name, action_execution_id, data, continuation_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(j.id, j.category, j.owner, j.provider, j.version, j.status, j.nonce, j.pipelineName, j.executionId, j.stageName, j.actionName, j.actionExecutionId, JSON.stringify(j.data), j.continuationToken ?? null, j.createdAt.getTime(), j.updatedAt.getTime())
      }),
    job: (id) => conn.read((db) => {
      const row = db.prepare('SELECT * FROM pipeline_jobs WHERE id = ?').get(id)
      return row ? toJob(row) : undefined
    }),
    queuedJobs: (t, limit) => conn.read((db) => db.prepare("SELECT * FROM pipeline_jobs WHERE category = ? AND owner = ? AND provider = ? AND version = ? AND status = 'Queued' ORDER BY created_at LIMIT ?").all(t.category, t.owner, t.provider, t.version, limit).map(toJob)),
    saveJob: (j) =>
      conn.write((db) => {
        db.prepare('UPDATE pipeline_jobs SET status = ?, nonce = ?, data = ?, continuation_token = ?, updated_at = ? WHERE id = ?').run(j.status, j.nonce, JSON.stringify(j.data), j.continuationToken ?? null, j.updatedAt.getTime(), j.id)
      }),
  }
}
