import { fromMs, optDate, parseJson, placeholders, TransactionConflict, type Row, type Sql } from '../sql/sql.ts'
import type { ApplicationRecord, DeployStore, HostCommandRecord, InstanceRecord, RevisionRecord } from '../../deploy/records.ts'

const json = (v: unknown) => JSON.stringify(v)

const toApplication = (r: Row): ApplicationRecord => ({ name: String(r.name), id: String(r.id), computePlatform: String(r.compute_platform), createdAt: fromMs(r.created_at) })
const toRevision = (r: Row): RevisionRecord => ({
  applicationName: String(r.application_name), key: String(r.revision_key), revision: parseJson(r.revision),
  description: r.description === null ? undefined : String(r.description), registerTime: fromMs(r.register_time),
  firstUsedTime: optDate(r.first_used_time), lastUsedTime: optDate(r.last_used_time),
})
const toInstance = (r: Row): InstanceRecord => ({
  name: String(r.name), iamArn: String(r.iam_arn), registerTime: fromMs(r.register_time), deregisterTime: optDate(r.deregister_time), tags: parseJson(r.tags), lastSeen: optDate(r.last_seen),
})
const toCommand = (r: Row): HostCommandRecord => ({
  id: String(r.id), deploymentId: String(r.deployment_id), host: String(r.host), event: String(r.event), status: String(r.status) as HostCommandRecord['status'],
  nonce: Number(r.nonce), createdAt: fromMs(r.created_at), updatedAt: fromMs(r.updated_at),
})

export function sqlDeploy(sql: Sql): DeployStore {
  const one = async <T>(text: string, map: (r: Row) => T, ...params: (string | number)[]) => {
    const r = await sql.get(text, ...params)
    return r ? map(r) : undefined
  }
  return {
    insertApplication: async (a) => (await sql.run('INSERT INTO deploy_applications (name, id, compute_platform, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING', a.name, a.id, a.computePlatform, a.createdAt.getTime())) === 1,
    application: (name) => one('SELECT * FROM deploy_applications WHERE name = ?', toApplication, name),
    applications: async () => (await sql.all('SELECT * FROM deploy_applications ORDER BY name')).map(toApplication),
    deleteApplication: (name) => sql.atomic(async (sql) => {
      await sql.run('DELETE FROM deployment_groups WHERE application_name = ?', name)
      await sql.run('DELETE FROM application_revisions WHERE application_name = ?', name)
      await sql.run('DELETE FROM deploy_applications WHERE name = ?', name)
    }),

    putGroup: async (g, isNew) =>
      isNew
        ? (await sql.run('INSERT INTO deployment_groups (application_name, name, id, definition) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', g.applicationName, g.name, g.id, json(g))) === 1
        : (await sql.run('UPDATE deployment_groups SET definition = ? WHERE application_name = ? AND name = ?', json(g), g.applicationName, g.name)) === 1,
    group: (app, name) => one('SELECT definition FROM deployment_groups WHERE application_name = ? AND name = ?', (r) => parseJson(r.definition), app, name),
    groups: async (app) => (await sql.all('SELECT definition FROM deployment_groups WHERE application_name = ? ORDER BY name', app)).map((r) => parseJson(r.definition)),
    deleteGroup: async (app, name) => {
      await sql.run('DELETE FROM deployment_groups WHERE application_name = ? AND name = ?', app, name)
    },
    renameGroup: async (app, from, g) => {
      await sql.run('UPDATE deployment_groups SET name = ?, definition = ? WHERE application_name = ? AND name = ?', g.name, json(g), app, from)
    },

    insertConfig: async (c) => (await sql.run('INSERT INTO deployment_configs (name, definition) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', c.name, json(c))) === 1,
    config: (name) => one('SELECT definition FROM deployment_configs WHERE name = ?', (r) => parseJson(r.definition), name),
    configs: async () => (await sql.all('SELECT definition FROM deployment_configs ORDER BY name')).map((r) => parseJson(r.definition)),
    deleteConfig: async (name) => (await sql.run('DELETE FROM deployment_configs WHERE name = ?', name)) === 1,

    putRevision: async (r) => {
      await sql.run(`INSERT INTO application_revisions (application_name, revision_key, revision, description, register_time, first_used_time, last_used_time) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (application_name, revision_key) DO UPDATE SET revision = excluded.revision, description = excluded.description, first_used_time = excluded.first_used_time, last_used_time = excluded.last_used_time`,
      r.applicationName, r.key, json(r.revision), r.description ?? null, r.registerTime.getTime(), r.firstUsedTime?.getTime() ?? null, r.lastUsedTime?.getTime() ?? null)
    },
    revision: (app, key) => one('SELECT * FROM application_revisions WHERE application_name = ? AND revision_key = ?', toRevision, app, key),
    revisions: async (app) => (await sql.all('SELECT * FROM application_revisions WHERE application_name = ? ORDER BY register_time DESC', app)).map(toRevision),

    insertDeployment: async (id, app, group, status, createTime, state, actionExecutionId) => {
      await sql.run('INSERT INTO deployments (id, application_name, group_name, status, create_time, state, action_execution_id) VALUES (?, ?, ?, ?, ?, ?, ?)', id, app, group, status, createTime, json(state), actionExecutionId ?? null)
    },
    deploymentByAction: (actionExecutionId) => one('SELECT state FROM deployments WHERE action_execution_id = ?', (r) => parseJson(r.state), actionExecutionId),
    saveDeployment: async (id, status, state, revision) => {
      const changed = await sql.run('UPDATE deployments SET status = ?, state = ?, revision = revision + 1 WHERE id = ? AND revision = ?', status, json(state), id, revision)
      if (changed !== 1) throw new TransactionConflict(`deployment ${id} changed since revision ${revision}`)
    },
    deployment: (id) => one('SELECT state FROM deployments WHERE id = ?', (r) => parseJson(r.state), id),
    deploymentForChange: (id) => one('SELECT state, revision FROM deployments WHERE id = ?', (r) => ({ value: parseJson(r.state), revision: Number(r.revision) }), id),
    deployments: async (f) => {
      const where: string[] = []
      const args: (string | number)[] = []
      if (f.applicationName) (where.push('application_name = ?'), args.push(f.applicationName))
      if (f.groupName) (where.push('group_name = ?'), args.push(f.groupName))
      if (f.statuses?.length) (where.push(`status IN (${placeholders(f.statuses.length)})`), args.push(...f.statuses))
      return (await sql.all(`SELECT state FROM deployments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY create_time DESC, id`, ...args)).map((r) => parseJson(r.state))
    },
    activeDeployments: async () => (await sql.all("SELECT state FROM deployments WHERE status IN ('Created', 'Queued', 'InProgress') ORDER BY create_time")).map((r) => parseJson(r.state)),

    putInstance: async (i) => {
      await sql.run(`INSERT INTO onprem_instances (name, iam_arn, register_time, deregister_time, tags, last_seen) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET iam_arn = excluded.iam_arn, register_time = excluded.register_time, deregister_time = excluded.deregister_time, tags = excluded.tags, last_seen = excluded.last_seen`,
      i.name, i.iamArn, i.registerTime.getTime(), i.deregisterTime?.getTime() ?? null, json(i.tags), i.lastSeen?.getTime() ?? null)
    },
    instance: (name) => one('SELECT * FROM onprem_instances WHERE name = ?', toInstance, name),
    instanceByArn: (arn) => one('SELECT * FROM onprem_instances WHERE iam_arn = ? AND deregister_time IS NULL', toInstance, arn),
    instances: async () => (await sql.all('SELECT * FROM onprem_instances ORDER BY name')).map(toInstance),
    touchInstance: async (name, at) => {
      await sql.run('UPDATE onprem_instances SET last_seen = ? WHERE name = ?', at.getTime(), name)
    },

    insertCommand: async (c) => {
      await sql.run('INSERT INTO host_commands (id, deployment_id, host, event, status, nonce, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        c.id, c.deploymentId, c.host, c.event, c.status, c.nonce, c.createdAt.getTime(), c.updatedAt.getTime())
    },
    command: (id) => one('SELECT * FROM host_commands WHERE id = ?', toCommand, id),
    saveCommand: async (c) => {
      await sql.run('UPDATE host_commands SET status = ?, updated_at = ? WHERE id = ?', c.status, c.updatedAt.getTime(), c.id)
    },
    commandsOf: async (id) => (await sql.all('SELECT * FROM host_commands WHERE deployment_id = ? ORDER BY created_at', id)).map(toCommand),
  }
}
