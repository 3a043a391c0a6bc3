import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { ProjectRecord } from '../../../src/build/records.ts'
import { type MakeStore, BYTE_ORDER, FAR_FUTURE, SHUFFLED, T0, TRICKY, at, assertRecord, assertSameJson } from './support.ts'
import { project } from './build-fixtures.ts'

/** A project with every optional field set, unicode and nesting in its JSON. */
const fullProject = (name: string): ProjectRecord =>
  project(name, {
    description: TRICKY,
    source: { type: 'CODECOMMIT', location: 'https://git.example/v1/repos/fête', gitCloneDepth: 1, buildspec: `phases:\n  build:\n    commands: ["echo ${TRICKY}"]` },
    secondarySources: [{ type: 'S3', location: 'bucket/key.zip', sourceIdentifier: 'extra_1' }],
    sourceVersion: 'refs/heads/main',
    secondarySourceVersions: [{ sourceIdentifier: 'extra_1', sourceVersion: 'v7' }],
    artifacts: { type: 'S3', location: 'out', path: 'p/ä', namespaceType: 'BUILD_ID', name: '😀.zip', packaging: 'ZIP', encryptionDisabled: false },
    secondaryArtifacts: [{ type: 'S3', location: 'out2', artifactIdentifier: 'second' }],
    cache: { type: 'LOCAL', modes: ['LOCAL_SOURCE_CACHE', 'LOCAL_CUSTOM_CACHE'] },
    environment: {
      type: 'LINUX_CONTAINER',
      image: 'aws/codebuild/standard:7.0',
      computeType: 'BUILD_GENERAL1_SMALL',
      privilegedMode: true,
      environmentVariables: [{ name: 'Z_LAST', value: TRICKY, type: 'PLAINTEXT' }, { name: 'A_FIRST', value: '/param', type: 'PARAMETER_STORE' }],
    },
    timeoutInMinutes: 2160,
    queuedTimeoutInMinutes: 5,
    encryptionKey: 'arn:aws:kms:us-east-1:000000000000:alias/aws/s3',
    tags: [{ key: 'zeta', value: 'last' }, { key: 'Alpha', value: '' }],
    logsConfig: { cloudWatchLogs: { status: 'DISABLED' }, s3Logs: { status: 'ENABLED', location: 'logs/ü' } },
    concurrentBuildLimit: 3,
    createdAt: at(-86_400_000),
    lastModifiedAt: FAR_FUTURE,
  })

/** `store.projects`: CodeBuild projects and their build-number counters. */
export function buildProjectsContract(makeStore: MakeStore): void {
  it('projects: a full project reads back exactly (nested JSON, key and array order); a bare one has optional fields undefined', async () => {
    const store = await makeStore()
    try {
      const full = fullProject('full')
      await store.projects.insert(full)
      await store.projects.insert(project('bare'))
      const read = await store.projects.get('full')
      assertRecord(read, full)
      for (const field of ['source', 'secondarySources', 'artifacts', 'cache', 'environment', 'tags', 'logsConfig'] as const) assertSameJson(read?.[field], full[field], `${field} reads back exactly, key order included`)
      const bare = await store.projects.get('bare')
      assertRecord(bare, project('bare'))
      for (const field of ['description', 'sourceVersion', 'encryptionKey', 'logsConfig', 'concurrentBuildLimit'] as const) assert.equal(bare?.[field], undefined, field)
      assert.equal(await store.projects.get('Full'), undefined, 'names match exactly')
      assert.equal(await store.projects.get('missing'), undefined)
    } finally {
      await store.close()
    }
  })

  it('projects: a second insert of a name rejects and leaves the first', async () => {
    const store = await makeStore()
    try {
      await store.projects.insert(project('dup', { description: 'first' }))
      await assert.rejects(store.projects.insert(project('dup', { description: 'second' })))
      assert.equal((await store.projects.get('dup'))?.description, 'first')
      assert.equal((await store.projects.list()).length, 1)
    } finally {
      await store.close()
    }
  })

  it('projects: list sorts names byte-wise and returns whole records', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.projects.list(), [])
      for (const name of SHUFFLED) await store.projects.insert(name === 'alpha' ? fullProject(name) : project(name))
      const listed = await store.projects.list()
      assert.deepEqual(listed.map((p) => p.name), BYTE_ORDER)
      assertRecord(listed.find((p) => p.name === 'alpha'), fullProject('alpha'))
    } finally {
      await store.close()
    }
  })

  it('projects: update replaces the definition and lastModifiedAt, and keeps the build-number counter', async () => {
    const store = await makeStore()
    try {
      await store.projects.insert(project('p', { description: 'old', concurrentBuildLimit: 1 }))
      assert.equal(await store.projects.nextBuildNumber('p'), 1)
      assert.equal(await store.projects.nextBuildNumber('p'), 2)
      const updated = { ...fullProject('p'), createdAt: T0, lastModifiedAt: at(60_000) }
      await store.projects.update(updated)
      assertRecord(await store.projects.get('p'), updated)
      await store.projects.update({ ...updated, description: undefined, concurrentBuildLimit: undefined, lastModifiedAt: at(120_000) })
      const cleared = await store.projects.get('p')
      assert.equal(cleared?.description, undefined)
      assert.equal(cleared?.concurrentBuildLimit, undefined)
      assert.deepEqual(cleared?.lastModifiedAt, at(120_000))
      assert.equal(await store.projects.nextBuildNumber('p'), 3, 'an update does not reset the build numbers')
    } finally {
      await store.close()
    }
  })

  it('projects: delete returns true once, then false; the name can be used again', async () => {
    const store = await makeStore()
    try {
      await store.projects.insert(project('gone'))
      await store.projects.insert(project('kept'))
      assert.equal(await store.projects.delete('gone'), true)
      assert.equal(await store.projects.delete('gone'), false)
      assert.equal(await store.projects.delete('never'), false)
      assert.equal(await store.projects.get('gone'), undefined)
      assert.deepEqual((await store.projects.list()).map((p) => p.name), ['kept'])
      await store.projects.insert(project('gone', { description: 'again' }))
      assert.equal((await store.projects.get('gone'))?.description, 'again')
    } finally {
      await store.close()
    }
  })

  it('projects: nextBuildNumber counts 1, 2, 3 … per project', async () => {
    const store = await makeStore()
    try {
      await store.projects.insert(project('a'))
      await store.projects.insert(project('A'))
      const numbers = []
      for (const name of ['a', 'a', 'A', 'a', 'A']) numbers.push(await store.projects.nextBuildNumber(name))
      assert.deepStrictEqual(numbers, [1, 2, 1, 3, 2])
      const inTransaction = await store.transaction((tx) => tx.projects.nextBuildNumber('a'))
      assert.strictEqual(inTransaction, 4)
    } finally {
      await store.close()
    }
  })

  it('projects: concurrent nextBuildNumber calls (inside and outside transactions) each get a distinct number', async () => {
    const store = await makeStore()
    try {
      await store.projects.insert(project('busy'))
      await store.projects.insert(project('quiet'))
      const calls = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? store.projects.nextBuildNumber('busy') : store.transaction((tx) => tx.projects.nextBuildNumber('busy')))
      const numbers = await Promise.all([...calls, store.projects.nextBuildNumber('quiet')])
      assert.deepStrictEqual(numbers.slice(0, 20).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1))
      assert.strictEqual(numbers[20], 1)
      assert.strictEqual(await store.projects.nextBuildNumber('busy'), 21)
    } finally {
      await store.close()
    }
  })
}
