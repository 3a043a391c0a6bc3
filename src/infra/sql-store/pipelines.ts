import { fromMs, TransactionConflict, type Row, type Sql } from '../sql/sql.ts'
import type { PipelineJobRecord, PipelineRecord, PipelineStore, WebhookRecord } from '../../pipeline/records.ts'
import type { ExecutionState } from '../../pipeline/model/execution-types.ts'

const toPipeline = (r: Row): PipelineRecord => ({
  name: String(r.name),
  version: Number(r.version),
  declaration: JSON.parse(String(r.declaration)),
  normalized: JSON.parse(String(r.normalized)),
  tags: JSON.parse(String(r.tags)),
  transitions: JSON.parse(String(r.transitions)),
  createdAt: fromMs(r.created_at),
  updatedAt: fromMs(r.updated_at),
})
const toExecution = (r: Row): ExecutionState => JSON.parse(String(r.state)) as ExecutionState
const toRevisioned = (r: Row) => ({ value: toExecution(r), revision: Number(r.revision) })
const toJob = (r: Row): PipelineJobRecord => ({
  id: String(r.id), category: String(r.category), owner: String(r.owner), provider: String(r.provider), version: String(r.version),
  status: String(r.status) as PipelineJobRecord['status'], nonce: String(r.nonce), pipelineName: String(r.pipeline_name), executionId: String(r.execution_id),
  stageName: String(r.stage_name), actionName: String(r.action_name), actionExecutionId: String(r.action_execution_id), data: JSON.parse(String(r.data)),
  continuationToken: r.continuation_token === null ? undefined : String(r.continuation_token), createdAt: fromMs(r.created_at), updatedAt: fromMs(r.updated_at),
})

const toWebhook = (r: Row): WebhookRecord => {
  const w = JSON.parse(String(r.record)) as WebhookRecord & { lastTriggered?: string; createdAt: string }
  return { ...w, createdAt: new Date(w.createdAt), ...(w.lastTriggered ? { lastTriggered: new Date(w.lastTriggered) } : {}) }
}

export function sqlPipelines(sql: Sql): PipelineStore {
  return {
    putWebhook: async (w) => {
      await sql.run('INSERT INTO pipeline_webhooks (name, token, pipeline_name, record) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET token = excluded.token, pipeline_name = excluded.pipeline_name, record = excluded.record',
        w.name, w.token, w.pipelineName, JSON.stringify(w))
    },
    webhook: async (name) => {
      const row = await sql.get('SELECT record FROM pipeline_webhooks WHERE name = ?', name)
      return row ? toWebhook(row) : undefined
    },
    webhookByToken: async (token) => {
      const row = await sql.get('SELECT record FROM pipeline_webhooks WHERE token = ?', token)
      return row ? toWebhook(row) : undefined
    },
    webhooks: async () => (await sql.all('SELECT record FROM pipeline_webhooks ORDER BY name')).map(toWebhook),
    deleteWebhook: async (name) => (await sql.run('DELETE FROM pipeline_webhooks WHERE name = ?', name)) > 0,
    insert: (p) => sql.atomic(async (sql) => {
      await sql.run('INSERT INTO pipelines (name, version, declaration, normalized, tags, transitions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        p.name, p.version, JSON.stringify(p.declaration), JSON.stringify(p.normalized), JSON.stringify(p.tags), JSON.stringify(p.transitions), p.createdAt.getTime(), p.updatedAt.getTime())
      await sql.run('INSERT INTO pipeline_versions (name, version, declaration, created_at) VALUES (?, ?, ?, ?)', p.name, p.version, JSON.stringify(p.declaration), p.updatedAt.getTime())
    }),
    get: async (name) => {
      const row = await sql.get('SELECT * FROM pipelines WHERE name = ?', name)
      return row ? toPipeline(row) : undefined
    },
    list: async () => (await sql.all('SELECT * FROM pipelines ORDER BY name')).map(toPipeline),
    update: (p) => sql.atomic(async (sql) => {
      const changed = await sql.run('UPDATE pipelines SET version = ?, declaration = ?, normalized = ?, tags = ?, transitions = ?, updated_at = ? WHERE name = ?',
        p.version, JSON.stringify(p.declaration), JSON.stringify(p.normalized), JSON.stringify(p.tags), JSON.stringify(p.transitions), p.updatedAt.getTime(), p.name)
      if (changed === 0) return
      await sql.run('INSERT INTO pipeline_versions (name, version, declaration, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name, version) DO NOTHING', p.name, p.version, JSON.stringify(p.declaration), p.updatedAt.getTime())
    }),
    delete: (name) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM pipeline_versions WHERE name = ?', name)
      await sql.run('DELETE FROM pipeline_executions WHERE pipeline_name = ?', name)
      return (await sql.run('DELETE FROM pipelines WHERE name = ?', name)) > 0
    }),
    version: async (name, version) => {
      const row = await sql.get('SELECT declaration FROM pipeline_versions WHERE name = ? AND version = ?', name, version)
      return row ? JSON.parse(String(row.declaration)) : undefined
    },

    insertExecution: async (e, token) => {
      await sql.run('INSERT INTO pipeline_executions (id, pipeline_name, status, start_time, last_update, client_request_token, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
        e.id, e.pipelineName, e.status, e.startTime, e.lastUpdateTime, token ?? null, JSON.stringify(e))
    },
    saveExecution: async (e, revision) => {
      const changed = await sql.run('UPDATE pipeline_executions SET status = ?, last_update = ?, state = ?, revision = revision + 1 WHERE id = ? AND revision = ?', e.status, e.lastUpdateTime, JSON.stringify(e), e.id, revision)
      if (changed !== 1) throw new TransactionConflict(`execution ${e.id} changed since revision ${revision}`)
    },
    executionForChange: async (id) => {
      const row = await sql.get('SELECT state, revision FROM pipeline_executions WHERE id = ?', id)
      return row ? toRevisioned(row) : undefined
    },
    activeForChange: async (name) => (await sql.all("SELECT state, revision FROM pipeline_executions WHERE pipeline_name = ? AND status IN ('InProgress', 'Stopping') ORDER BY start_time, id", name)).map(toRevisioned),
    execution: async (id) => {
      const row = await sql.get('SELECT state FROM pipeline_executions WHERE id = ?', id)
      return row ? toExecution(row) : undefined
    },
    executionByToken: async (name, token) => {
      const row = await sql.get('SELECT state FROM pipeline_executions WHERE pipeline_name = ? AND client_request_token = ?', name, token)
      return row ? toExecution(row) : undefined
    },
    activeExecutions: async (name) => (await sql.all("SELECT state FROM pipeline_executions WHERE pipeline_name = ? AND status IN ('InProgress', 'Stopping') ORDER BY start_time", name)).map(toExecution),
    executions: async (name, limit, offset, status) =>
      (status === undefined
        ? await sql.all('SELECT state FROM pipeline_executions WHERE pipeline_name = ? ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?', name, limit, offset)
        : await sql.all('SELECT state FROM pipeline_executions WHERE pipeline_name = ? AND status = ? ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?', name, status, limit, offset)
      ).map(toExecution),
    countExecutions: async (name, status) =>
      Number((status === undefined
        ? await sql.get('SELECT COUNT(*) AS n FROM pipeline_executions WHERE pipeline_name = ?', name)
        : await sql.get('SELECT COUNT(*) AS n FROM pipeline_executions WHERE pipeline_name = ? AND status = ?', name, status))?.n ?? 0),
    latestExecutions: async () => {
      const rows = await sql.all('SELECT p.name AS name, (SELECT state FROM pipeline_executions WHERE pipeline_name = p.name ORDER BY start_time DESC, id DESC LIMIT 1) AS state FROM pipelines p')
      return new Map(rows.filter((r) => r.state !== null).map((r) => [String(r.name), toExecution(r)]))
    },
    pipelinesWithActiveExecutions: async () => (await sql.all("SELECT DISTINCT pipeline_name FROM pipeline_executions WHERE status IN ('InProgress', 'Stopping')")).map((r) => String(r.pipeline_name)),

    putCustomActionType: async (t) =>
      (await sql.run('INSERT INTO custom_action_types (category, provider, version, definition, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (category, provider, version) DO NOTHING',
        t.category, t.provider, t.version, JSON.stringify(t.definition), t.createdAt.getTime())) === 1,
    customActionTypes: async () => (await sql.all('SELECT * FROM custom_action_types ORDER BY category, provider, version')).map((r) => ({
      category: String(r.category), provider: String(r.provider), version: String(r.version), definition: JSON.parse(String(r.definition)), createdAt: fromMs(r.created_at),
    })),
    deleteCustomActionType: async (c, p, v) => (await sql.run('DELETE FROM custom_action_types WHERE category = ? AND provider = ? AND version = ?', c, p, v)) === 1,

    insertJob: async (j) => {
      await sql.run('INSERT INTO pipeline_jobs (id, category, owner, provider, version, status, nonce, pipeline_name, execution_id, stage_name, action_name, action_execution_id, data, continuation_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        j.id, j.category, j.owner, j.provider, j.version, j.status, j.nonce, j.pipelineName, j.executionId, j.stageName, j.actionName, j.actionExecutionId, JSON.stringify(j.data), j.continuationToken ?? null, j.createdAt.getTime(), j.updatedAt.getTime())
    },
    job: async (id) => {
      const row = await sql.get('SELECT * FROM pipeline_jobs WHERE id = ?', id)
      return row ? toJob(row) : undefined
    },
    saveJob: async (j) => {
      await sql.run('UPDATE pipeline_jobs SET status = ?, nonce = ?, data = ?, continuation_token = ?, updated_at = ? WHERE id = ?', j.status, j.nonce, JSON.stringify(j.data), j.continuationToken ?? null, j.updatedAt.getTime(), j.id)
    },
  }
}
