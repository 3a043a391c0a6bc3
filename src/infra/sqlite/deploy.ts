import type { Conn } from './connection.ts'
import { fromMs } from './connection.ts'
import type { DeployStore, HostCommandRecord, InstanceRecord, RevisionRecord } from '../../deploy/records.ts'

const json = (v: unknown) => JSON.stringify(v)
const parse = <T>(v: unknown): T => JSON.parse(String(v)) as T
const optDate = (v: unknown) => (v === null || v === undefined ? undefined : fromMs(v))

const toRevision = (r: Record<string, unknown>): RevisionRecord => ({
  applicationName: String(r.application_name), key: String(r.revision_key), revision: parse(r.revision),
  description: r.description === null ? undefined : String(r.description), registerTime: fromMs(r.register_time),
  firstUsedTime: optDate(r.first_used_time), lastUsedTime: optDate(r.last_used_time),
})
const toInstance = (r: Record<string, unknown>): InstanceRecord => ({
  name: String(r.name), iamArn: String(r.iam_arn), registerTime: fromMs(r.register_time), deregisterTime: optDate(r.deregister_time), tags: parse(r.tags), lastSeen: optDate(r.last_seen),
})
const toCommand = (r: Record<string, unknown>): HostCommandRecord => ({
  id: String(r.id), deploymentId: String(r.deployment_id), host: String(r.host), event: String(r.event), status: String(r.status) as HostCommandRecord['status'],
  nonce: Number(r.nonce), createdAt: fromMs(r.created_at), updatedAt: fromMs(r.updated_at), leaseExpiresAt: optDate(r.lease_expires_at),
})

export function sqliteDeploy(conn: Conn): DeployStore {
  return {
    insertApplication: (a) => conn.write((db) => Number(db.prepare('INSERT OR IGNORE INTO deploy_applications (name, id, compute_platform, created_at) VALUES (?, ?, ?, ?)').run(a.name, a.id, a.computePlatform, a.createdAt.getTime()).changes) === 1),
    application: (name) => conn.read((db) => {
      const r = db.prepare('SELECT * FROM deploy_applications WHERE name = ?').get(name)
      return r ? { name: String(r.name), id: String(r.id), computePlatform: String(r.compute_platform), createdAt: fromMs(r.created_at) } : undefined
    }),
    applications: () => conn.read((db) => db.prepare('SELECT * FROM deploy_applications ORDER BY name').all().map((r) => ({ name: String(r.name), id: String(r.id), computePlatform: String(r.compute_platform), createdAt: fromMs(r.created_at) }))),
    deleteApplication: (name) => conn.write((db) => {
      db.prepare('DELETE FROM deployment_groups WHERE application_name = ?').run(name)
      db.prepare('DELETE FROM application_revisions WHERE application_name = ?').run(name)
      db.prepare('DELETE FROM deploy_applications WHERE name = ?').run(name)
    }),

    putGroup: (g, isNew) => conn.write((db) => {
      if (isNew) return Number(db.prepare('INSERT OR IGNORE INTO deployment_groups (application_name, name, id, definition) VALUES (?, ?, ?, ?)').run(g.applicationName, g.name, g.id, json(g)).changes) === 1
      return Number(db.prepare('UPDATE deployment_groups SET definition = ? WHERE application_name = ? AND name = ?').run(json(g), g.applicationName, g.name).changes) === 1
    }),
    group: (app, name) => conn.read((db) => {
      const r = db.prepare('SELECT definition FROM deployment_groups WHERE application_name = ? AND name = ?').get(app, name)
      return r ? parse(r.definition) : undefined
    }),
    groups: (app) => conn.read((db) => db.prepare('SELECT definition FROM deployment_groups WHERE application_name = ? ORDER BY name').all(app).map((r) => parse(r.definition))),
    deleteGroup: (app, name) => conn.write((db) => {
      db.prepare('DELETE FROM deployment_groups WHERE application_name = ? AND name = ?').run(app, name)
    }),
    renameGroup: (app, from, g) => conn.write((db) => {
      db.prepare('UPDATE deployment_groups SET name = ?, definition = ? WHERE application_name = ? AND name = ?').run(g.name, json(g), app, from)
    }),

    insertConfig: (c) => conn.write((db) => Number(db.prepare('INSERT OR IGNORE INTO deployment_configs (name, definition) VALUES (?, ?)').run(c.name, json(c)).changes) === 1),
    config: (name) => conn.read((db) => {
      const r = db.prepare('SELECT definition FROM deployment_configs WHERE name = ?').get(name)
      return r ? parse(r.definition) : undefined
    }),
    configs: () => conn.read((db) => db.prepare('SELECT definition FROM deployment_configs ORDER BY name').all().map((r) => parse(r.definition))),
    deleteConfig: (name) => conn.write((db) => Number(db.prepare('DELETE FROM deployment_configs WHERE name = ?').run(name).changes) === 1),

    putRevision: (r) => conn.write((db) => {
      db.prepare(`INSERT INTO application_revisions (application_name, revision_key, revision, description, register_time, first_used_time, last_used_time) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (application_name, revision_key) DO UPDATE SET revision = excluded.revision, description = excluded.description, first_used_time = excluded.first_used_time, last_used_time = excluded.last_used_time`)
        .run(r.applicationName, r.key, json(r.revision), r.description ?? null, r.registerTime.getTime(), r.firstUsedTime?.getTime() ?? null, r.lastUsedTime?.getTime() ?? null)
    }),
    revision: (app, key) => conn.read((db) => {
      const r = db.prepare('SELECT * FROM application_revisions WHERE application_name = ? AND revision_key = ?').get(app, key)
      return r ? toRevision(r) : undefined
    }),
    revisions: (app) => conn.read((db) => db.prepare('SELECT * FROM application_revisions WHERE application_name = ? ORDER BY register_time DESC').all(app).map(toRevision)),

    insertDeployment: (id, app, group, status, createTime, state) => conn.write((db) => {
      db.prepare('INSERT INTO deployments (id, application_name, group_name, status, create_time, state) VALUES (?, ?, ?, ?, ?, ?)').run(id, app, group, status, createTime, json(state))
    }),
    saveDeployment: (id, status, state) => conn.write((db) => {
      db.prepare('UPDATE deployments SET status = ?, state = ? WHERE id = ?').run(status, json(state), id)
    }),
    deployment: (id) => conn.read((db) => {
      const r = db.prepare('SELECT state FROM deployments WHERE id = ?').get(id)
      return r ? parse(r.state) : undefined
    }),
    deployments: (f) => conn.read((db) => {
      const where: string[] = []
      const args: (string | number)[] = []
      if (f.applicationName) (where.push('application_name = ?'), args.push(f.applicationName))
      if (f.groupName) (where.push('group_name = ?'), args.push(f.groupName))
      if (f.statuses?.length) (where.push(`status IN (${f.statuses.map(() => '?').join(',')})`), args.push(...f.statuses))
      return db.prepare(`SELECT state FROM deployments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY create_time DESC, id`).all(...args).map((r) => parse(r.state))
    }),
    activeDeployments: () => conn.read((db) => db.prepare("SELECT state FROM deployments WHERE status IN ('Created', 'Queued', 'InProgress') ORDER BY create_time").all().map((r) => parse(r.state))),

    putInstance: (i) => conn.write((db) => {
      db.prepare(`INSERT INTO onprem_instances (name, iam_arn, register_time, deregister_time, tags, last_seen) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET iam_arn = excluded.iam_arn, register_time = excluded.register_time, deregister_time = excluded.deregister_time, tags = excluded.tags, last_seen = excluded.last_seen`)
        .run(i.name, i.iamArn, i.registerTime.getTime(), i.deregisterTime?.getTime() ?? null, json(i.tags), i.lastSeen?.getTime() ?? null)
    }),
    instance: (name) => conn.read((db) => {
      const r = db.prepare('SELECT * FROM onprem_instances WHERE name = ?').get(name)
      return r ? toInstance(r) : undefined
    }),
    instanceByArn: (arn) => conn.read((db) => {
      const r = db.prepare('SELECT * FROM onprem_instances WHERE iam_arn = ? AND deregister_time IS NULL').get(arn)
      return r ? toInstance(r) : undefined
    }),
    instances: () => conn.read((db) => db.prepare('SELECT * FROM onprem_instances ORDER BY name').all().map(toInstance)),
    touchInstance: (name, at) => conn.write((db) => {
      db.prepare('UPDATE onprem_instances SET last_seen = ? WHERE name = ?').run(at.getTime(), name)
    }),

    insertCommand: (c) => conn.write((db) => {
      db.prepare('INSERT INTO host_commands (id, deployment_id, host, event, status, nonce, created_at, updated_at, lease_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.id, c.deploymentId, c.host, c.event, c.status, c.nonce, c.createdAt.getTime(), c.updatedAt.getTime(), c.leaseExpiresAt?.getTime() ?? null)
    }),
    command: (id) => conn.read((db) => {
      const r = db.prepare('SELECT * FROM host_commands WHERE id = ?').get(id)
      return r ? toCommand(r) : undefined
    }),
    nextCommand: (host) => conn.read((db) => {
      const r = db.prepare("SELECT * FROM host_commands WHERE host = ? AND status = 'Pending' ORDER BY created_at, id LIMIT 1").get(host)
      return r ? toCommand(r) : undefined
    }),
    saveCommand: (c) => conn.write((db) => {
      db.prepare('UPDATE host_commands SET status = ?, updated_at = ?, lease_expires_at = ? WHERE id = ?').run(c.status, c.updatedAt.getTime(), c.leaseExpiresAt?.getTime() ?? null, c.id)
    }),
    expiredCommands: (now) => conn.read((db) => db.prepare("SELECT * FROM host_commands WHERE status IN ('Dispatched', 'InProgress') AND lease_expires_at < ?").all(now.getTime()).map(toCommand)),
    pendingCommands: () => conn.read((db) => db.prepare("SELECT * FROM host_commands WHERE status = 'Pending' ORDER BY created_at").all().map(toCommand)),
    commandsOf: (id) => conn.read((db) => db.prepare('SELECT * FROM host_commands WHERE deployment_id = ? ORDER BY created_at').all(id).map(toCommand)),
  }
}
