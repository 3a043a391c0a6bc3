import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { CustomActionTypeRecord, PipelineRecord, WebhookRecord } from '../../../src/pipeline/records.ts'
import type { PipelineDeclaration } from '../../../src/protocol/models/codepipeline.types.ts'
import { type MakeStore, BYTE_ORDER, FAR_FUTURE, NESTED, SHUFFLED, T0, TRICKY, at, assertRecord, assertSameJson } from './support.ts'

const ROLE = 'arn:aws:iam::000000000000:role/pipeline'

/** A declaration as the user sent it (keys in the user's order, unicode values). */
const declaration = (name: string, version: number, buildCommand = 'make'): PipelineDeclaration => ({
  version,
  name,
  roleArn: ROLE,
  stages: [
    { name: 'Source', actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'fête', BranchName: 'main' }, outputArtifacts: [{ name: 'SourceArtifact' }] }] },
    { name: 'Build', actions: [{ name: 'Build', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: [buildCommand, `echo "${TRICKY}"`], inputArtifacts: [{ name: 'SourceArtifact' }] }] },
  ],
  artifactStore: { type: 'S3', location: 'pipeline-artifacts' },
  pipelineType: 'V2',
  executionMode: 'QUEUED',
  variables: [{ name: 'Greeting', defaultValue: TRICKY, description: '😀' }],
})

const pipeline = (name: string, version = 1, extra: Partial<PipelineRecord> = {}): PipelineRecord => ({
  name,
  version,
  declaration: declaration(name, version),
  normalized: {
    name,
    roleArn: ROLE,
    version,
    pipelineType: 'V2',
    executionMode: 'QUEUED',
    artifactStores: { 'us-east-1': { type: 'S3', location: 'pipeline-artifacts' } },
    stages: [],
    variables: [{ name: 'Greeting', defaultValue: TRICKY }],
    triggers: [],
  },
  tags: [{ key: 'team', value: 'ünïcode' }, { key: 'Empty', value: '' }],
  transitions: { Build: { enabled: false, reason: `paused: ${TRICKY}` }, Source: { enabled: true } },
  createdAt: T0,
  updatedAt: T0,
  ...extra,
})

const actionType = (category: string, provider: string, version: string, createdAt = T0): CustomActionTypeRecord => ({
  category,
  provider,
  version,
  definition: { category, provider, version, settings: { entityUrlTemplate: 'https://ci.example/{Config:Project}' }, configurationProperties: [{ name: 'Project', required: true, key: true, secret: false }], nested: NESTED, nothing: null },
  createdAt,
})

/** `store.pipelines`: pipeline definitions with every version kept, and custom action types. */
export function pipelinesContract(makeStore: MakeStore): void {
  it('pipelines: insert stores version 1; get and version read back exactly (JSON key order included)', async () => {
    const store = await makeStore()
    try {
      const p = pipeline('deliver', 1, { createdAt: at(-1), updatedAt: FAR_FUTURE })
      await store.pipelines.insert(p)
      const read = await store.pipelines.get('deliver')
      assertRecord(read, p)
      for (const field of ['declaration', 'normalized', 'tags', 'transitions'] as const) assertSameJson(read?.[field], p[field], `${field} reads back exactly, key order included`)
      assertSameJson(await store.pipelines.version('deliver', 1), p.declaration)
      assert.equal(await store.pipelines.version('deliver', 2), undefined)
      assert.equal(await store.pipelines.get('Deliver'), undefined, 'names match exactly')
      assert.equal(await store.pipelines.version('missing', 1), undefined)
    } finally {
      await store.close()
    }
  })

  it('pipelines: a second insert of a name rejects and leaves the first', async () => {
    const store = await makeStore()
    try {
      await store.pipelines.insert(pipeline('dup'))
      await assert.rejects(store.pipelines.insert(pipeline('dup', 1, { tags: [] })))
      assertRecord(await store.pipelines.get('dup'), pipeline('dup'))
      assert.equal((await store.pipelines.list()).length, 1)
    } finally {
      await store.close()
    }
  })

  it('pipelines: list sorts names byte-wise and returns whole records', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.pipelines.list(), [])
      for (const name of SHUFFLED) await store.pipelines.insert(pipeline(name))
      const listed = await store.pipelines.list()
      assert.deepEqual(listed.map((p) => p.name), BYTE_ORDER)
      assertRecord(listed[1], pipeline('Zeta'))
    } finally {
      await store.close()
    }
  })

  it('pipelines: update to a new version replaces the definition and keeps every earlier version', async () => {
    const store = await makeStore()
    try {
      await store.pipelines.insert(pipeline('p'))
      const v2 = pipeline('p', 2, { declaration: declaration('p', 2, 'make release'), updatedAt: at(1000) })
      await store.pipelines.update(v2)
      assertRecord(await store.pipelines.get('p'), v2)
      assertSameJson(await store.pipelines.version('p', 1), declaration('p', 1))
      assertSameJson(await store.pipelines.version('p', 2), declaration('p', 2, 'make release'))
      const v3 = pipeline('p', 3, { declaration: declaration('p', 3, 'make all'), updatedAt: at(2000) })
      await store.pipelines.update(v3)
      assert.equal((await store.pipelines.get('p'))?.version, 3)
      assertSameJson(await store.pipelines.version('p', 2), declaration('p', 2, 'make release'))
    } finally {
      await store.close()
    }
  })

  it('pipelines: update at the same version changes tags and transitions but not the stored version\'s declaration', async () => {
    const store = await makeStore()
    try {
      await store.pipelines.insert(pipeline('p'))
      const retagged = pipeline('p', 1, { tags: [{ key: 'new', value: 'tag' }], transitions: { Build: { enabled: true } }, updatedAt: at(500) })
      await store.pipelines.update(retagged)
      assertRecord(await store.pipelines.get('p'), retagged)
      assertSameJson(await store.pipelines.version('p', 1), declaration('p', 1))
      assert.equal(await store.pipelines.version('p', 2), undefined)
    } finally {
      await store.close()
    }
  })

  it('pipelines: update of a missing pipeline stores nothing, so the name can be created afterwards', async () => {
    const store = await makeStore()
    try {
      await store.pipelines.update(pipeline('ghost', 1, { tags: [{ key: 'stale', value: 'copy' }] }))
      assert.equal(await store.pipelines.get('ghost'), undefined)
      assert.equal(await store.pipelines.version('ghost', 1), undefined, 'no version row without its pipeline')
      await store.pipelines.insert(pipeline('ghost'))
      assertRecord(await store.pipelines.get('ghost'), pipeline('ghost'))
      assertSameJson(await store.pipelines.version('ghost', 1), declaration('ghost', 1))
    } finally {
      await store.close()
    }
  })

  it('pipelines: delete returns true once, then false, and removes every version; a re-created pipeline starts afresh', async () => {
    const store = await makeStore()
    try {
      await store.pipelines.insert(pipeline('doomed'))
      await store.pipelines.update(pipeline('doomed', 2, { declaration: declaration('doomed', 2, 'v2') }))
      await store.pipelines.insert(pipeline('kept'))
      assert.equal(await store.pipelines.delete('doomed'), true)
      assert.equal(await store.pipelines.delete('doomed'), false)
      assert.equal(await store.pipelines.delete('never'), false)
      assert.equal(await store.pipelines.get('doomed'), undefined)
      assert.equal(await store.pipelines.version('doomed', 1), undefined)
      assert.equal(await store.pipelines.version('doomed', 2), undefined)
      assert.deepEqual((await store.pipelines.list()).map((p) => p.name), ['kept'])
      await store.pipelines.insert(pipeline('doomed', 1, { declaration: declaration('doomed', 1, 'again') }))
      assertSameJson(await store.pipelines.version('doomed', 1), declaration('doomed', 1, 'again'))
      assert.equal(await store.pipelines.version('doomed', 2), undefined)
    } finally {
      await store.close()
    }
  })

  it('custom action types: put returns true when new and false when the type exists (keeping the first)', async () => {
    const store = await makeStore()
    try {
      const first = actionType('Build', 'MyCI', '1')
      assert.equal(await store.pipelines.putCustomActionType(first), true)
      assert.equal(await store.pipelines.putCustomActionType({ ...actionType('Build', 'MyCI', '1', at(1)), definition: { replaced: true } }), false)
      assert.equal(await store.pipelines.putCustomActionType(actionType('Build', 'MyCI', '2')), true)
      assert.equal(await store.pipelines.putCustomActionType(actionType('Test', 'MyCI', '1')), true)
      assert.equal(await store.pipelines.putCustomActionType(actionType('Build', 'myci', '1')), true, 'providers differing only in case are distinct')
      const read = (await store.pipelines.customActionTypes()).find((t) => t.category === 'Build' && t.provider === 'MyCI' && t.version === '1')
      assertRecord(read, first)
      assertSameJson(read?.definition, first.definition)
    } finally {
      await store.close()
    }
  })

  it('custom action types: listed by category, provider, version, each byte-wise', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.pipelines.customActionTypes(), [])
      const keys = [['Test', 'alpha', '1'], ['Build', 'alpha', '9'], ['Build', 'Zeta', '1'], ['Build', 'alpha', '10'], ['Deploy', 'Alpha', '1'], ['Build', 'alpha', '1']] as const
      for (const [c, p, v] of keys) await store.pipelines.putCustomActionType(actionType(c, p, v))
      assert.deepEqual((await store.pipelines.customActionTypes()).map((t) => `${t.category}/${t.provider}/${t.version}`), [
        'Build/Zeta/1', 'Build/alpha/1', 'Build/alpha/10', 'Build/alpha/9', 'Deploy/Alpha/1', 'Test/alpha/1',
      ])
    } finally {
      await store.close()
    }
  })

  it('custom action types: delete returns true once, then false, and removes only that type', async () => {
    const store = await makeStore()
    try {
      await store.pipelines.putCustomActionType(actionType('Build', 'MyCI', '1'))
      await store.pipelines.putCustomActionType(actionType('Build', 'MyCI', '2'))
      assert.equal(await store.pipelines.deleteCustomActionType('Build', 'MyCI', '1'), true)
      assert.equal(await store.pipelines.deleteCustomActionType('Build', 'MyCI', '1'), false)
      assert.equal(await store.pipelines.deleteCustomActionType('Build', 'myci', '2'), false)
      assert.deepEqual((await store.pipelines.customActionTypes()).map((t) => t.version), ['2'])
      assert.equal(await store.pipelines.putCustomActionType(actionType('Build', 'MyCI', '1', at(9))), true, 'a deleted type can be created again')
    } finally {
      await store.close()
    }
  })

  const webhook = (name: string, token: string, extra: Partial<WebhookRecord> = {}): WebhookRecord => ({
    name, pipelineName: 'p', token, arn: `arn:aws:codepipeline:us-east-1:000000000000:webhook:${name}`, tags: [{ key: 'k', value: TRICKY }], createdAt: T0,
    definition: { name, targetPipeline: 'p', targetAction: 'Source', filters: [{ jsonPath: '$.ref', matchEquals: `refs/heads/{BranchName} ${TRICKY}` }], authentication: 'GITHUB_HMAC', authenticationConfiguration: { SecretToken: TRICKY } },
    ...extra,
  })

  it('webhooks: put inserts or replaces by name; read back exactly by name and by token; listed byte-wise; delete once', async () => {
    const store = await makeStore()
    try {
      for (const [n, name] of SHUFFLED.entries()) await store.pipelines.putWebhook(webhook(name, `token-${n}`))
      assert.deepEqual((await store.pipelines.webhooks()).map((w) => w.name), BYTE_ORDER)
      assertRecord(await store.pipelines.webhook('Zeta'), webhook('Zeta', `token-${SHUFFLED.indexOf('Zeta')}`))
      const triggered = webhook('alpha', 'token-new', { lastTriggered: at(5), pipelineName: 'other' })
      await store.pipelines.putWebhook(triggered)
      assertRecord(await store.pipelines.webhook('alpha'), triggered)
      assertRecord(await store.pipelines.webhookByToken('token-new'), triggered)
      assert.equal(await store.pipelines.webhookByToken(`token-${SHUFFLED.indexOf('alpha')}`), undefined, 'the old token no longer finds it')
      assert.equal(await store.pipelines.deleteWebhook('alpha'), true)
      assert.equal(await store.pipelines.deleteWebhook('alpha'), false)
      assert.equal(await store.pipelines.webhook('alpha'), undefined)
      assert.equal((await store.pipelines.webhooks()).length, BYTE_ORDER.length - 1)
    } finally {
      await store.close()
    }
  })
}
