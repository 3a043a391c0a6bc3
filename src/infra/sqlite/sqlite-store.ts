import path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import type { Store } from '../store.ts'
import { type Conn, Mutex, migrate, openDatabase } from './connection.ts'
import { sqliteRepositories } from './repositories.ts'
import { sqliteAccessKeys } from './access-keys.ts'
import { sqliteTags } from './tags.ts'
import { sqliteOutbox } from './events.ts'
import { sqliteBuildProjects } from './build-projects.ts'
import { sqliteBuilds } from './builds.ts'
import { sqliteSecrets } from './secrets.ts'
import { sqliteJobs } from './jobs.ts'
import { sqliteBuildReports } from './build-reports.ts'
import { sqlitePipelines } from './pipelines.ts'
import { sqliteDeploy } from './deploy.ts'
import { sqliteNotifications } from './notifications.ts'
import { sqliteConsoleSessions } from './console-sessions.ts'

function storeOver(conn: Conn, transaction: Store['transaction'], close: () => void): Store {
  return {
    keys: sqliteAccessKeys(conn),
    repositories: sqliteRepositories(conn),
    tags: sqliteTags(conn),
    events: sqliteOutbox(conn),
    projects: sqliteBuildProjects(conn),
    builds: sqliteBuilds(conn),
    secrets: sqliteSecrets(conn),
    jobs: sqliteJobs(conn),
    reports: sqliteBuildReports(conn),
    pipelines: sqlitePipelines(conn),
    deploy: sqliteDeploy(conn),
    notifications: sqliteNotifications(conn),
    consoleSessions: sqliteConsoleSessions(conn),
    audit: {
      append: (e) =>
        conn.write((db) => {
          db.prepare('INSERT INTO audit_log (at, principal, action, resource, request_id) VALUES (?, ?, ?, ?, ?)')
            .run(e.at.getTime(), e.principal, e.action, e.resource ?? null, e.requestId)
        }),
      recent: (limit) =>
        conn.read((db) =>
          db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit).map((r) => ({
            at: new Date(Number(r.at)), principal: String(r.principal), action: String(r.action), resource: r.resource === null ? undefined : String(r.resource), requestId: String(r.request_id),
          })),
        ),
    },
    transaction,
    close,
  }
}

/**
 * The embedded `Store`: `node:sqlite` in WAL mode at `<dataDir>/slipway.db`. One writer connection
 * behind a mutex (transactions may await, so they must not interleave) and one reader connection
 * (WAL lets it read committed state while a write transaction is open).
 */
export function openSqliteStore(dataDir: string): Store {
  const file = path.join(dataDir, 'slipway.db')
  const writer = openDatabase(file)
  migrate(writer)
  const reader = openDatabase(file)
  const lock = new Mutex()

  const inTransaction = (db: DatabaseSync): Conn => ({
    read: async (fn) => fn(db),
    write: async (fn) => fn(db),
  })

  const autoCommit: Conn = {
    read: async (fn) => fn(reader),
    write: (fn) =>
      lock.run(() => {
        writer.exec('BEGIN IMMEDIATE')
        try {
          const result = fn(writer)
          writer.exec('COMMIT')
          return result
        } catch (err) {
          writer.exec('ROLLBACK')
          throw err
        }
      }),
  }

  const close = () => {
    reader.close()
    writer.close()
  }

  const transaction: Store['transaction'] = (fn) =>
    lock.run(async () => {
      writer.exec('BEGIN IMMEDIATE')
      try {
        const result = await fn(storeOver(inTransaction(writer), () => Promise.reject(new Error('nested transaction')), close))
        writer.exec('COMMIT')
        return result
      } catch (err) {
        writer.exec('ROLLBACK')
        throw err
      }
    })

  return storeOver(autoCommit, transaction, close)
}
