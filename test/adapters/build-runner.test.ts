import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { FileLogStore } from '../../src/build/logs/file-log-store.ts'
import { openSqliteStore } from '../../src/infra/sql-store/sql-store.ts'
import type { Store } from '../../src/infra/store.ts'
import { EventBus } from '../../src/events/bus.ts'
import { BuildRunner } from '../../src/build/runner/build-runner.ts'
import { HostExecutor } from '../../src/build/executors/host-executor.ts'
import type { BuildContext } from '../../src/build/service/context.ts'
import { createProject } from '../../src/build/service/projects.ts'
import { startBuild } from '../../src/build/service/builds.ts'
import type { BuildRecord } from '../../src/build/records.ts'
import { ManualClock } from '../helpers/manual-clock.ts'
import { tempDir } from '../helpers/server.ts'

/**
 * The build runner with the real host executor and SQLite, and a manual Clock: timeouts are decided
 * by the Clock, so an hour passes in a test without waiting for it.
 */
describe('build runner timeouts (manual clock, host executor)', () => {
  let store: Store
  let clock: ManualClock
  let runner: BuildRunner
  let ctx: BuildContext

  before(async () => {
    const dataDir = tempDir('runner')
    store = await openSqliteStore(dataDir)
    clock = new ManualClock()
    const bus = new EventBus(store, clock, (err) => console.error(err))
    ctx = { store, clock, bus, region: 'us-east-1', accountId: '000000000000', baseUrl: () => 'http://127.0.0.1', wake: () => runner.wake() }
    runner = new BuildRunner(ctx, {
      clock, executor: new HostExecutor(), dataDir, region: 'us-east-1', accountId: '000000000000', baseUrl: () => 'http://127.0.0.1',
      resolveSecret: async () => '', logs: new FileLogStore(dataDir, store.signals),
    }, { tickMs: 20, onError: (err) => console.error(err) })
    runner.start()
  })
  after(async () => {
    await runner.stop()
    store.close()
  })

  async function until(id: string, test: (b: BuildRecord) => boolean): Promise<BuildRecord> {
    for (let i = 0; i < 500; i++) {
      const b = await store.builds.get(id)
      if (b && test(b)) return b
      await sleep(20)
    }
    throw new Error(`build ${id} never got there: ${JSON.stringify((await store.builds.get(id))?.phases)}`)
  }

  const project = (name: string, buildspec: string, extra: { timeoutInMinutes?: number; queuedTimeoutInMinutes?: number; concurrentBuildLimit?: number } = {}) =>
    createProject(ctx, { name, source: { type: 'NO_SOURCE', buildspec }, artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'host', computeType: 'BUILD_GENERAL1_SMALL' }, serviceRole: 'r', ...extra })

  it('ends a build TIMED_OUT when it outlives timeoutInMinutes', async () => {
    await project('slow', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30\n', { timeoutInMinutes: 5 })
    const build = await startBuild(ctx, { projectName: 'slow' }, 'tester')
    await until(build.id, (b) => b.currentPhase === 'BUILD')
    clock.advance(5 * 60_000 + 1000)
    const done = await until(build.id, (b) => b.status !== 'IN_PROGRESS')
    assert.equal(done.status, 'TIMED_OUT')
    assert.equal(done.phases.find((p) => p.phaseType === 'BUILD')?.phaseStatus, 'TIMED_OUT')
    assert.equal(done.currentPhase, 'COMPLETED')
  })

  it('ends a build TIMED_OUT when it waits in QUEUED longer than queuedTimeoutInMinutes', async () => {
    await project('busy', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30\n', { timeoutInMinutes: 600, queuedTimeoutInMinutes: 5, concurrentBuildLimit: 1 })
    const first = await startBuild(ctx, { projectName: 'busy' }, 'tester')
    await until(first.id, (b) => b.currentPhase === 'BUILD')
    const second = await startBuild(ctx, { projectName: 'busy' }, 'tester')
    clock.advance(5 * 60_000 + 1000)
    const done = await until(second.id, (b) => b.status !== 'IN_PROGRESS')
    assert.equal(done.status, 'TIMED_OUT')
    assert.equal(done.phases.find((p) => p.phaseType === 'QUEUED')?.phaseStatus, 'TIMED_OUT')
    assert.equal((await store.builds.get(first.id))?.status, 'IN_PROGRESS', 'the running build is not affected')
  })
})
