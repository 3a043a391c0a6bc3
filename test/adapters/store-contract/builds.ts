import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { BuildRecord } from '../../../src/build/records.ts'
import type { Store } from '../../../src/infra/store.ts'
import { type MakeStore, FAR_FUTURE, T0, TRICKY, at, assertRecord, assertSameJson } from './support.ts'
import { build } from './build-fixtures.ts'

/** Inserts a queued build and its `build` job (enqueued at `enqueuedAt`) in one transaction, as StartBuild does. */
async function queue(store: Store, b: BuildRecord, enqueuedAt: Date, notBefore?: Date): Promise<string> {
  const jobId = `build:${b.id}`
  await store.transaction(async (tx) => {
    await tx.builds.insert(b)
    await tx.jobs.enqueue({ id: jobId, kind: 'build', subjectId: b.id, at: enqueuedAt, ...(notBefore ? { notBefore } : {}) })
  })
  return jobId
}

/** A build as its runner finishes it: every optional field set. */
const finished = (b: BuildRecord, endTime: Date): BuildRecord => ({
  ...b,
  status: 'SUCCEEDED',
  currentPhase: 'COMPLETED',
  endTime,
  concurrentBuildLimit: 2,
  resolvedSourceVersion: 'f'.repeat(40),
  phases: [
    ...b.phases.map((p) => (p.endTime ? p : { ...p, phaseStatus: 'SUCCEEDED' as const, endTime })),
    { phaseType: 'BUILD', phaseStatus: 'SUCCEEDED', startTime: b.startTime, endTime, contexts: [{ statusCode: '', message: TRICKY }] },
    { phaseType: 'COMPLETED', startTime: endTime },
  ],
  exportedVariables: [{ name: 'Z', value: TRICKY }, { name: 'A', value: '' }],
  artifacts: { location: 'arn:aws:s3:::out/😀.zip', sha256sum: 'ab'.repeat(32), md5sum: 'cd'.repeat(16) },
  secondaryArtifacts: [{ location: 'arn:aws:s3:::out/second', artifactIdentifier: 'second' }],
  reportArns: ['arn:aws:codebuild:us-east-1:000000000000:report/g:1'],
  idempotencyToken: 'token-ü',
})

/** `store.builds`: builds, their guarded saves, and claiming their `build` jobs. */
export function buildsContract(makeStore: MakeStore): void {
  it('builds: a queued and a finished build read back exactly; optional fields read back undefined', async () => {
    const store = await makeStore()
    try {
      const queued = build('p', 1, T0)
      const done = finished(build('p', 2, at(1000)), FAR_FUTURE)
      await store.builds.insert(queued)
      await store.builds.insert(done)
      const readQueued = await store.builds.get(queued.id)
      assertRecord(readQueued, queued)
      for (const field of ['endTime', 'concurrentBuildLimit', 'resolvedSourceVersion', 'artifacts', 'reportArns', 'idempotencyToken'] as const) assert.equal(readQueued?.[field], undefined, field)
      const readDone = await store.builds.get(done.id)
      assertRecord(readDone, done)
      assertSameJson(readDone?.settings, done.settings)
      assert.equal(await store.builds.get('p:missing'), undefined)
    } finally {
      await store.close()
    }
  })

  it('builds: ids and idempotency tokens (per project) are unique; builds without a token never clash', async () => {
    const store = await makeStore()
    try {
      const first = build('p', 1, T0, { idempotencyToken: 'tok' })
      await store.builds.insert(first)
      await assert.rejects(store.builds.insert({ ...first, buildNumber: 9, idempotencyToken: undefined }), 'same id')
      await assert.rejects(store.builds.insert(build('p', 2, T0, { idempotencyToken: 'tok' })), 'same token, same project')
      await store.builds.insert(build('q', 1, T0, { idempotencyToken: 'tok' }))
      await store.builds.insert(build('p', 3, T0, { idempotencyToken: 'TOK' }))
      await store.builds.insert(build('p', 4, T0))
      await store.builds.insert(build('p', 5, T0))
      assert.equal((await store.builds.get(first.id))?.buildNumber, 1)
      assert.equal((await store.builds.listIds('ASCENDING', 'p')).length, 4)
    } finally {
      await store.close()
    }
  })

  it('builds: byIdempotencyToken finds the build of that project and token only', async () => {
    const store = await makeStore()
    try {
      const mine = build('p', 1, T0, { idempotencyToken: 'tok-😀' })
      await store.builds.insert(mine)
      await store.builds.insert(build('q', 1, T0, { idempotencyToken: 'other' }))
      assertRecord(await store.builds.byIdempotencyToken('p', 'tok-😀'), mine)
      assert.equal(await store.builds.byIdempotencyToken('q', 'tok-😀'), undefined)
      assert.equal(await store.builds.byIdempotencyToken('p', 'TOK-😀'), undefined)
      assert.equal(await store.builds.byIdempotencyToken('p', 'other'), undefined)
    } finally {
      await store.close()
    }
  })

  it('builds: listIds orders all builds by start time (then number), and one project\'s by build number', async () => {
    const store = await makeStore()
    try {
      const q1 = build('q', 1, at(1000))
      const p1 = build('p', 1, at(2000))
      const r1 = build('r', 1, at(3000))
      const p2 = build('p', 2, at(4000))
      const p3 = build('p', 3, at(4000))
      const q2 = build('q', 2, FAR_FUTURE)
      for (const b of [p3, q2, r1, p1, q1, p2]) await store.builds.insert(b)
      const ascending = [q1, p1, r1, p2, p3, q2].map((b) => b.id)
      assert.deepEqual(await store.builds.listIds('ASCENDING'), ascending)
      assert.deepEqual(await store.builds.listIds('DESCENDING'), [...ascending].reverse())
      assert.deepEqual(await store.builds.listIds('ASCENDING', 'p'), [p1.id, p2.id, p3.id])
      assert.deepEqual(await store.builds.listIds('DESCENDING', 'p'), [p3.id, p2.id, p1.id])
      assert.deepEqual(await store.builds.listIds('DESCENDING', 'P'), [])
    } finally {
      await store.close()
    }
  })

  it('builds: save writes the whole state while the stored status is the expected one, and returns false otherwise', async () => {
    const store = await makeStore()
    try {
      const queued = build('p', 1, T0)
      await store.builds.insert(queued)
      const running: BuildRecord = { ...queued, currentPhase: 'BUILD', resolvedSourceVersion: 'a'.repeat(40), phases: [...queued.phases, { phaseType: 'BUILD', startTime: at(10) }] }
      assert.equal(await store.builds.save(running, 'IN_PROGRESS'), true)
      assertRecord(await store.builds.get(queued.id), running)
      const done = finished(running, at(20))
      assert.equal(await store.builds.save(done, 'IN_PROGRESS'), true)
      assertRecord(await store.builds.get(queued.id), done)
      assert.equal(await store.builds.save({ ...done, status: 'FAILED', endTime: at(30) }, 'IN_PROGRESS'), false, 'a finished build is not rewritten')
      assert.equal(await store.builds.save({ ...running, status: 'STOPPED' }, 'STOPPED'), false, 'wrong expected status')
      assertRecord(await store.builds.get(queued.id), done)
      assert.equal(await store.builds.save(build('p', 99, T0), 'IN_PROGRESS'), false, 'no such build')
      assert.equal(await store.builds.get(build('p', 99, T0).id), undefined, 'save never inserts')
    } finally {
      await store.close()
    }
  })

  it('builds: requestStop flags an in-progress build (true, also when asked again) and refuses finished or missing ones', async () => {
    const store = await makeStore()
    try {
      const running = build('p', 1, T0)
      const done = finished(build('p', 2, T0), at(5))
      await store.builds.insert(running)
      await store.builds.insert(done)
      assert.equal(await store.builds.requestStop(running.id), true)
      assert.equal((await store.builds.get(running.id))?.stopRequested, true)
      assert.equal(await store.builds.requestStop(running.id), true)
      assert.equal(await store.builds.requestStop(done.id), false)
      assert.equal((await store.builds.get(done.id))?.stopRequested, false)
      assert.equal(await store.builds.requestStop('p:missing'), false)
    } finally {
      await store.close()
    }
  })

  it('builds: a save of the runner\'s stale copy keeps a stop requested meanwhile', async () => {
    const store = await makeStore()
    try {
      const queued = build('p', 1, T0)
      await store.builds.insert(queued)
      const runnersCopy = { ...queued }
      assert.equal(await store.builds.requestStop(queued.id), true)
      assert.equal(await store.builds.save({ ...runnersCopy, currentPhase: 'PROVISIONING' }, 'IN_PROGRESS'), true)
      const read = await store.builds.get(queued.id)
      assert.equal(read?.currentPhase, 'PROVISIONING')
      assert.equal(read?.stopRequested, true, 'the stop request is not lost')
    } finally {
      await store.close()
    }
  })

  it('builds: delete returns true once, then false; a deleted build is gone from get, listIds and claimNext', async () => {
    const store = await makeStore()
    try {
      const doomed = build('p', 1, T0)
      const kept = finished(build('p', 2, at(1)), at(2))
      await queue(store, doomed, T0)
      await store.builds.insert(kept)
      assert.equal(await store.builds.delete(doomed.id), true)
      assert.equal(await store.builds.delete(doomed.id), false)
      assert.equal(await store.builds.delete('p:missing'), false)
      assert.equal(await store.builds.get(doomed.id), undefined)
      assert.deepEqual(await store.builds.listIds('ASCENDING'), [kept.id])
      assert.deepEqual(await store.builds.unfinished(), [])
      assert.equal(await store.builds.claimNext('runner', at(1000), at(2000)), undefined)
    } finally {
      await store.close()
    }
  })

  it('builds: unfinished returns the whole records of builds still IN_PROGRESS', async () => {
    const store = await makeStore()
    try {
      const queued = build('p', 1, at(2))
      const running = build('q', 1, at(1), { currentPhase: 'BUILD' })
      const done = finished(build('p', 2, at(3)), at(4))
      const stopped: BuildRecord = { ...build('r', 1, at(0)), status: 'STOPPED', currentPhase: 'COMPLETED', endTime: at(5) }
      for (const b of [queued, running, done, stopped]) await store.builds.insert(b)
      const unfinished = (await store.builds.unfinished()).sort((a, b) => a.startTime.getTime() - b.startTime.getTime())
      assertRecord(unfinished, [running, queued])
      assert.equal(await store.builds.save(finished(running, at(6)), 'IN_PROGRESS'), true)
      assert.deepEqual((await store.builds.unfinished()).map((b) => b.id), [queued.id])
    } finally {
      await store.close()
    }
  })

  it('builds: claimNext takes the oldest due build job, marks it claimed by the owner, and skips other kinds, later and finished jobs', async () => {
    const store = await makeStore()
    try {
      const now = at(10_000)
      const second = build('p', 2, at(2))
      const first = build('p', 1, at(1))
      const later = build('p', 3, at(3))
      const stopped = build('p', 4, at(4))
      const secondJob = await queue(store, second, at(2000))
      const firstJob = await queue(store, first, at(1000))
      await queue(store, later, at(500), FAR_FUTURE)
      const stoppedJob = await queue(store, stopped, at(100))
      assert.equal(await store.jobs.complete(stoppedJob, undefined, 'failed', at(200)), true)
      await store.jobs.enqueue({ id: 'other-kind', kind: 'pipeline-action', subjectId: first.id, at: at(0) })

      assert.deepStrictEqual(await store.builds.claimNext('runner-1', now, at(70_000)), { jobId: firstJob, buildId: first.id })
      const [job] = (await store.jobs.bySubject(first.id)).filter((j) => j.kind === 'build')
      assert.equal(job?.status, 'claimed')
      assert.equal(job?.owner, 'runner-1')
      assert.deepStrictEqual(job?.leaseExpiresAt, at(70_000))
      assert.equal(job?.attempt, 1)
      assert.deepStrictEqual(await store.builds.claimNext('runner-2', now, at(70_000)), { jobId: secondJob, buildId: second.id })
      assert.equal(await store.builds.claimNext('runner-1', now, at(70_000)), undefined, 'the remaining job is not due yet')
      assert.deepStrictEqual(await store.builds.claimNext('runner-1', FAR_FUTURE, new Date(FAR_FUTURE.getTime() + 60_000)), { jobId: `build:${later.id}`, buildId: later.id })
      assert.equal(await store.builds.claimNext('runner-1', FAR_FUTURE, FAR_FUTURE), undefined)
    } finally {
      await store.close()
    }
  })

  it('builds: claimNext honours the concurrent build limit per project, passing over a project at its limit', async () => {
    const store = await makeStore()
    try {
      const now = at(10_000)
      const l1 = build('limited', 1, at(1), { concurrentBuildLimit: 1 })
      const l2 = build('limited', 2, at(2), { concurrentBuildLimit: 1 })
      const free = build('free', 1, at(3))
      const l1Job = await queue(store, l1, at(1000))
      await queue(store, l2, at(2000))
      await queue(store, free, at(3000))
      assert.equal((await store.builds.claimNext('r', now, at(60_000)))?.buildId, l1.id)
      assert.equal((await store.builds.claimNext('r', now, at(60_000)))?.buildId, free.id, 'limited is at its limit: the next project\'s job is taken')
      assert.equal(await store.builds.claimNext('r', now, at(60_000)), undefined)
      assert.equal(await store.jobs.complete(l1Job, 'r', 'done', at(20_000)), true)
      assert.equal((await store.builds.claimNext('r', at(20_000), at(80_000)))?.buildId, l2.id, 'a finished job frees its slot')
    } finally {
      await store.close()
    }
  })

  it('builds: concurrent claimNext calls never hand one job to two claimers, and lose none', async () => {
    const store = await makeStore()
    try {
      const builds = Array.from({ length: 5 }, (_, i) => build(i % 2 ? 'odd' : 'even', i + 1, at(i)))
      for (const [i, b] of builds.entries()) await queue(store, b, at(i))
      const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => store.builds.claimNext(`runner-${i}`, at(10_000), at(70_000)).then((c) => c && { owner: `runner-${i}`, ...c })))
      const won = concurrent.filter((c) => c !== undefined)
      assert.ok(won.length >= 1)
      for (let c = await store.builds.claimNext('late-runner', at(10_000), at(70_000)); c; c = await store.builds.claimNext('late-runner', at(10_000), at(70_000))) won.push({ owner: 'late-runner', ...c })
      assert.deepEqual(won.map((c) => c.buildId).sort(), builds.map((b) => b.id).sort(), 'every job claimed exactly once')
      for (const { owner, buildId } of won) {
        const jobs = (await store.jobs.bySubject(buildId)).filter((j) => j.kind === 'build')
        assert.deepEqual(jobs.map((j) => [j.status, j.owner, j.attempt]), [['claimed', owner, 1]])
      }
    } finally {
      await store.close()
    }
  })

  it('builds: concurrent claimNext calls never run more of a project than its concurrent build limit', async () => {
    const store = await makeStore()
    try {
      for (let i = 0; i < 6; i++) await queue(store, build('limited', i + 1, at(i), { concurrentBuildLimit: 2 }), at(i))
      const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => store.builds.claimNext(`runner-${i}`, at(10_000), at(70_000))))
      const won = concurrent.filter((c) => c !== undefined)
      assert.ok(won.length >= 1 && won.length <= 2, `${won.length} claimed at once with a limit of 2`)
      for (let c = await store.builds.claimNext('late-runner', at(10_000), at(70_000)); c; c = await store.builds.claimNext('late-runner', at(10_000), at(70_000))) won.push(c)
      assert.equal(won.length, 2)
      assert.equal(new Set(won.map((c) => c.jobId)).size, 2)
    } finally {
      await store.close()
    }
  })
}
