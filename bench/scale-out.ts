import { ListPipelineExecutionsCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline'
import { tempDir } from '../test/helpers/server.ts'
import { aws } from '../test/helpers/aws-cli.ts'
import { codePipelineClient } from '../test/helpers/codepipeline.ts'
import { createPipeline, repoWithPushes, sourceStage } from '../test/helpers/pipeline-fixtures.ts'
import { startReplica, startSharedStorage, type SharedStorage } from '../test/helpers/replicas.ts'

type Stats = { runs: number; medianMs: number; p90Ms: number; minMs: number }

/** PostgreSQL, s3rver and a repositories folder for the scale-out measurements; `skip` says why not. */
export async function scaleOutStorage(): Promise<{ storage: SharedStorage; skip?: undefined } | { storage?: undefined; skip: string }> {
  const started = await startSharedStorage()
  return started.skip !== undefined ? { skip: started.skip } : { storage: started.shared }
}

/** `slipway server --runner` on the PostgreSQL of `storage`, with the folder object store (so only the database differs from `up`). */
export function postgresServer(storage: SharedStorage) {
  return {
    command: 'server' as const,
    extraArgs: ['--database-url', storage.databaseUrl, '--master-key-file', storage.masterKeyFile, '--runner', '--repositories-dir', tempDir('bench-repos')],
  }
}

/**
 * 50 StartPipelineExecution calls at once, spread over two servers on one PostgreSQL and one s3rver,
 * on a QUEUED pipeline (CodeCommit source → S3 deploy): how fast the calls are answered (p99), and
 * how many executions per second the pipeline then completes, one at a time per stage.
 */
export async function benchStartBurst(storage: SharedStorage, stats: (xs: number[]) => Stats) {
  const a = await startReplica(storage, { runner: true })
  const b = await startReplica(storage)
  try {
    const dir = tempDir('bench-burst')
    await aws(a, ['s3', 'mb', 's3://pipeline-artifacts'])
    await aws(a, ['s3', 'mb', 's3://burst-out'])
    const repo = await repoWithPushes(a, dir, 'burst')
    await repo.push()
    await createPipeline(a, dir, {
      name: 'burst',
      pipelineType: 'V2',
      executionMode: 'QUEUED',
      stages: [sourceStage('burst'), { name: 'Publish', actions: [{ name: 'Publish', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { BucketName: 'burst-out', Extract: 'true' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] }],
    })
    const settled = async (ids: string[]) => {
      for (;;) {
        const list = (await codePipelineClient(b).send(new ListPipelineExecutionsCommand({ pipelineName: 'burst', maxResults: 100 }))).pipelineExecutionSummaries ?? []
        if (list.length > 0 && list.filter((e) => ids.length === 0 || ids.includes(e.pipelineExecutionId!)).every((e) => e.status !== 'InProgress')) return
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    await settled([])
    const latencies: number[] = []
    const t0 = performance.now()
    const ids = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const t = performance.now()
      const id = (await codePipelineClient(i % 2 ? a : b).send(new StartPipelineExecutionCommand({ name: 'burst' }))).pipelineExecutionId!
      latencies.push(performance.now() - t)
      return id
    }))
    const answered = performance.now() - t0
    await settled(ids)
    const done = performance.now() - t0
    const s = [...latencies].sort((x, y) => x - y)
    return {
      startCalls: { ...stats(latencies), p99Ms: Math.round((s[Math.min(s.length - 1, Math.floor(0.99 * s.length))] ?? NaN) * 100) / 100 },
      callsAnsweredPerSecond: Math.round((50 / (answered / 1000)) * 10) / 10,
      allFiftyDoneMs: Math.round(done),
      executionsCompletedPerSecond: Math.round((50 / (done / 1000)) * 10) / 10,
    }
  } finally {
    await a.stop()
    await b.stop()
  }
}
