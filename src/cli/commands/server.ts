import { buildConfig } from '../../config/config.ts'
import { startServer } from '../../server/server.ts'
import type { CommandArgs } from '../main.ts'
import { stopOnSignals } from './stop-on-signals.ts'
import { tlsInput } from './tls-input.ts'

/**
 * `slipway server`: one replica of a scale-out deployment, in the foreground until SIGINT/SIGTERM. Its
 * state is where the flags say (PostgreSQL, an S3-compatible store, a shared repositories volume); no
 * local deploy agent, and builds only with `--runner`. Returns -1 (keep running).
 */
export async function serverCommand({ values }: CommandArgs): Promise<number> {
  const text = (name: string) => values[name] as string | undefined
  const config = buildConfig({
    port: text('port'),
    host: text('host'),
    dataDir: text('data-dir'),
    region: text('region'),
    logLevel: text('log-level'),
    executor: text('executor'),
    runner: values.runner === true,
    databaseUrl: text('database-url'),
    objectStore: text('object-store'),
    s3Endpoint: text('s3-endpoint'),
    s3Region: text('s3-region'),
    s3BucketPrefix: text('s3-bucket-prefix'),
    s3PathStyle: values['s3-path-style'] === true ? true : undefined,
    repositoriesDir: text('repositories-dir'),
    masterKeyFile: text('master-key-file'),
    ...tlsInput(values),
  })
  const server = await startServer(config)
  const where = config.database.kind === 'postgres' ? `PostgreSQL ${new URL(config.database.url).host}` : `SQLite in ${config.dataDir}`
  const objects = config.objectStore.kind === 's3' ? `S3 ${config.objectStore.endpoint ?? 'AWS'} (buckets ${config.objectStore.bucketPrefix}*)` : `folders in ${config.dataDir}`
  process.stdout.write(
    [
      `Slipway server is running at ${server.url}`,
      `  database:     ${where}`,
      `  objects:      ${objects}`,
      `  repositories: ${config.repositoriesDir}`,
      `  builds:       ${config.runner ? 'run here too (--runner)' : 'not run here (no --runner)'}`,
      '',
    ].join('\n'),
  )
  stopOnSignals(server.app.log, () => server.close())
  return -1
}
