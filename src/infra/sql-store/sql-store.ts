import path from 'node:path'
import type { Store } from '../store.ts'
import type { Database, Sql } from '../sql/sql.ts'
import { openSqliteDatabase } from '../sql/sqlite-database.ts'
import type { PostgresOptions } from '../sql/postgres-database.ts'
import { migrate } from '../sql/migrate.ts'
import { sqlAccessKeys } from './access-keys.ts'
import { sqlRepositories } from './repositories.ts'
import { sqlTags } from './tags.ts'
import { sqlOutbox } from './events.ts'
import { sqlBuildProjects } from './build-projects.ts'
import { sqlBuilds } from './builds.ts'
import { sqlBuildLogs } from './build-logs.ts'
import { sqlFleets, sqlRunners } from './runners.ts'
import { sqlSecrets } from './secrets.ts'
import { sqlJobs } from './jobs.ts'
import { sqlBuildReports } from './build-reports.ts'
import { sqlPipelines } from './pipelines.ts'
import { sqlDeploy } from './deploy.ts'
import { sqlNotifications } from './notifications.ts'
import { sqlConsoleSessions } from './console-sessions.ts'
import { sqlAudit } from './audit.ts'
import { sqlRegistry } from './registry.ts'

const nested = () => Promise.reject(new Error('nested transaction: use the transaction store you were given'))

function storeOver(db: Database, sql: Sql, transaction: Store['transaction']): Store {
  return {
    keys: sqlAccessKeys(sql),
    repositories: sqlRepositories(sql),
    tags: sqlTags(sql),
    events: sqlOutbox(sql),
    projects: sqlBuildProjects(sql),
    builds: sqlBuilds(sql),
    buildLogs: sqlBuildLogs(sql),
    runners: sqlRunners(sql),
    fleets: sqlFleets(sql),
    secrets: sqlSecrets(sql),
    jobs: sqlJobs(sql),
    reports: sqlBuildReports(sql),
    pipelines: sqlPipelines(sql),
    deploy: sqlDeploy(sql),
    notifications: sqlNotifications(sql),
    consoleSessions: sqlConsoleSessions(sql),
    registry: sqlRegistry(sql),
    audit: sqlAudit(sql),
    transaction,
    signals: db.signals,
    close: () => db.close(),
  }
}

/** The `Store` over a migrated database: the same portable SQL on either driver. */
export function storeOn(db: Database): Store {
  return storeOver(db, db.sql, (fn, options) => db.transaction((tx) => fn(storeOver(db, tx, nested)), options))
}

/** The embedded store: `<dataDir>/slipway.db` (SQLite, WAL), migrated on open. */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  const db = openSqliteDatabase(path.join(dataDir, 'slipway.db'))
  await migrate(db)
  return storeOn(db)
}

/** The scale-out store: PostgreSQL at `options.url`, migrated on open (once, whoever starts first). */
export async function openPostgresStore(options: PostgresOptions): Promise<Store> {
  // `pg` loads only for PostgreSQL.
  const db = await (await import('../sql/postgres-database.ts')).openPostgresDatabase(options)
  try {
    await migrate(db)
  } catch (err) {
    await db.close()
    throw err
  }
  return storeOn(db)
}
