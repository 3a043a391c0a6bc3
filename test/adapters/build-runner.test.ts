import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { CodeBuildClient, CreateFleetCommand, CreateProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild'
import { buildConfig } from '../../src/config/config.ts'
import { startServer, type RunningServer } from '../../src/server/server.ts'
import type { BuildRecord } from '../../src/build/records.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { tempDir } from '../helpers/server.ts'

/**
 * Build timeouts with the real server, its own runner (over the runner protocol, host executor) and
 * a manual Clock: the server's reconciler decides timeouts by the Clock and tells the runner, so an
 * hour passes in a test without waiting for it. The lease is long: only timeouts end builds here.
 */
describe('build timeouts (manual clock, the server\'s own runner, host executor)', () => {
  let server: RunningServer
  let clock: ManualClock
  let client: CodeBuildClient

  before(async () => {
    clock = new ManualClock()
    const config = { ...buildConfig({ dataDir: tempDir('runner'), port: 0, host: '127.0.0.1', executor: 'host', logLevel: 'warn' }), buildLeaseMs: 3_600_000 }
    server = await startServer(config, clock)
    client = new CodeBuildClient({ endpoint: server.url, region: 'us-east-1', credentials: await server.keys.rootKey() })
  })
  after(async () => {
    client.destroy()
    await server.close()
  })

  async function until(id: string, test: (b: BuildRecord) => boolean): Promise<BuildRecord> {
    for (let i = 0; i < 1500; i++) {
      const b = await server.store.builds.get(id)
      if (b && test(b)) return b
      await sleep(20)
    }
    throw new Error(`build ${id} never got there: ${JSON.stringify((await server.store.builds.get(id))?.phases)}`)
  }

  const project = (name: string, buildspec: string, extra: { timeoutInMinutes?: number; queuedTimeoutInMinutes?: number; concurrentBuildLimit?: number } = {}) =>
    client.send(new CreateProjectCommand({ name, source: { type: 'NO_SOURCE', buildspec }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'host', computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r', ...extra }))
  const start = async (projectName: string) => String((await client.send(new StartBuildCommand({ projectName }))).build?.id)

  it('ends a build TIMED_OUT when it outlives timeoutInMinutes', async () => {
    await project('slow', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30\n', { timeoutInMinutes: 5 })
    const id = await start('slow')
    await until(id, (b) => b.currentPhase === 'BUILD')
    clock.advance(5 * 60_000 + 1000)
    const done = await until(id, (b) => b.status !== 'IN_PROGRESS')
    assert.equal(done.status, 'TIMED_OUT')
    assert.equal(done.phases.find((p) => p.phaseType === 'BUILD')?.phaseStatus, 'TIMED_OUT')
    assert.equal(done.currentPhase, 'COMPLETED')
  })

  it('ends a build TIMED_OUT when it waits in QUEUED longer than queuedTimeoutInMinutes', async () => {
    await project('busy', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30\n', { timeoutInMinutes: 600, queuedTimeoutInMinutes: 5, concurrentBuildLimit: 1 })
    const first = await start('busy')
    await until(first, (b) => b.currentPhase === 'BUILD')
    const second = await start('busy')
    clock.advance(5 * 60_000 + 1000)
    const done = await until(second, (b) => b.status !== 'IN_PROGRESS')
    assert.equal(done.status, 'TIMED_OUT')
    assert.equal(done.phases.find((p) => p.phaseType === 'QUEUED')?.phaseStatus, 'TIMED_OUT')
    assert.equal((await server.store.builds.get(first))?.status, 'IN_PROGRESS', 'the running build is not affected')
  })

  it('ends a build TIMED_OUT when no runner of its fleet turns up within queuedTimeoutInMinutes', async () => {
    const fleet = await client.send(new CreateFleetCommand({ name: 'nobody-home', baseCapacity: 1, environmentType: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL' }))
    await client.send(new CreateProjectCommand({ name: 'pinned', source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo never\n' }, artifacts: { type: 'NO_ARTIFACTS' },
      environment: { type: 'LINUX_CONTAINER', image: 'host', computeType: 'BUILD_GENERAL1_SMALL', fleet: { fleetArn: fleet.fleet!.arn! } }, serviceRole: 'r', queuedTimeoutInMinutes: 5 }))
    const id = await start('pinned')
    await sleep(1500)
    assert.equal((await server.store.builds.get(id))?.currentPhase, 'QUEUED', 'the server\'s own runner is not in the fleet')
    clock.advance(5 * 60_000 + 1000)
    const done = await until(id, (b) => b.status !== 'IN_PROGRESS')
    assert.equal(done.status, 'TIMED_OUT')
    assert.match(done.phases.find((p) => p.phaseType === 'QUEUED')?.contexts?.[0]?.message ?? '', /queued for longer than 5 minutes/)
  })
})
