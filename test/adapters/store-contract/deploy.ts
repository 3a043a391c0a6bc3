import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { ApplicationRecord, DeploymentConfigRecord, DeploymentGroupRecord, InstanceRecord, RevisionRecord } from '../../../src/deploy/records.ts'
import type { RevisionLocation } from '../../../src/protocol/models/codedeploy.types.ts'
import { type MakeStore, BYTE_ORDER, FAR_FUTURE, SHUFFLED, T0, TRICKY, at, assertRecord, assertSameJson } from './support.ts'

const app = (name: string, createdAt = T0): ApplicationRecord => ({ name, id: `app-${name}`, computePlatform: 'Server', createdAt })

const group = (applicationName: string, name: string, extra: Partial<DeploymentGroupRecord> = {}): DeploymentGroupRecord => ({
  applicationName,
  name,
  id: `${applicationName}/${name}`,
  deploymentConfigName: 'CodeDeployDefault.OneAtATime',
  onPremisesInstanceTagFilters: [{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }],
  serviceRoleArn: 'arn:aws:iam::000000000000:role/deploy',
  ...extra,
})

/** A group with every optional field set; epoch-ms numbers beyond 2^32 inside its JSON. */
const fullGroup = (applicationName: string, name: string): DeploymentGroupRecord =>
  group(applicationName, name, {
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
    deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
    targetRevision: s3Revision('bundle-ü.zip'),
    lastSuccessfulDeployment: { deploymentId: 'd-AAAAAAAAA', status: 'Succeeded', endTime: FAR_FUTURE.getTime(), createTime: T0.getTime() },
    lastAttemptedDeployment: { deploymentId: 'd-BBBBBBBBB', status: 'InProgress', createTime: at(1).getTime() },
  })

const s3Revision = (key: string): RevisionLocation => ({ revisionType: 'S3', s3Location: { bucket: 'releases', key, bundleType: 'zip', version: 'v1', eTag: 'abc' } })
const revision = (applicationName: string, key: string, registerTime: Date, extra: Partial<RevisionRecord> = {}): RevisionRecord =>
  ({ applicationName, key, revision: s3Revision(key), registerTime, ...extra })

const instance = (name: string, iamArn: string, extra: Partial<InstanceRecord> = {}): InstanceRecord =>
  ({ name, iamArn, registerTime: T0, tags: [{ Key: 'env', Value: 'prod' }, { Key: 'Name', Value: TRICKY }], ...extra })

const config = (name: string): DeploymentConfigRecord => ({ name, id: `cfg-${name}`, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 75 }, createdAt: T0.getTime() })

/** `store.deploy`: applications, deployment groups and configs, revisions, on-premises instances. */
export function deployContract(makeStore: MakeStore): void {
  it('deploy applications: insertApplication is true when new, false for a taken name (keeping the first)', async () => {
    const store = await makeStore()
    try {
      assert.equal(await store.deploy.insertApplication(app('shop', FAR_FUTURE)), true)
      assert.equal(await store.deploy.insertApplication({ ...app('shop'), id: 'other', computePlatform: 'Lambda' }), false)
      assertRecord(await store.deploy.application('shop'), app('shop', FAR_FUTURE))
      assert.equal(await store.deploy.insertApplication(app('Shop')), true, 'names differing only in case are distinct')
      assert.equal(await store.deploy.application('missing'), undefined)
    } finally {
      await store.close()
    }
  })

  it('deploy applications: applications sorts names byte-wise', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.deploy.applications(), [])
      for (const name of SHUFFLED) await store.deploy.insertApplication(app(name))
      const listed = await store.deploy.applications()
      assert.deepEqual(listed.map((a) => a.name), BYTE_ORDER)
      assertRecord(listed[0], app('Beta'))
    } finally {
      await store.close()
    }
  })

  it('deploy applications: deleteApplication removes the application with its groups and revisions only', async () => {
    const store = await makeStore()
    try {
      for (const name of ['doomed', 'kept']) {
        await store.deploy.insertApplication(app(name))
        await store.deploy.putGroup(group(name, 'blue'), true)
        await store.deploy.putRevision(revision(name, 'k1', T0))
      }
      await store.deploy.deleteApplication('doomed')
      await store.deploy.deleteApplication('never')
      assert.equal(await store.deploy.application('doomed'), undefined)
      assert.deepEqual(await store.deploy.groups('doomed'), [])
      assert.deepEqual(await store.deploy.revisions('doomed'), [])
      assert.deepEqual((await store.deploy.applications()).map((a) => a.name), ['kept'])
      assert.deepEqual((await store.deploy.groups('kept')).map((g) => g.name), ['blue'])
      assert.equal((await store.deploy.revisions('kept')).length, 1)
      assert.equal(await store.deploy.insertApplication(app('doomed')), true)
      assert.deepEqual(await store.deploy.groups('doomed'), [], 'a re-created application starts empty')
    } finally {
      await store.close()
    }
  })

  it('deploy groups: putGroup(isNew) inserts once; putGroup(!isNew) replaces an existing group only; both read back exactly', async () => {
    const store = await makeStore()
    try {
      await store.deploy.insertApplication(app('shop'))
      const full = fullGroup('shop', 'blue')
      assert.equal(await store.deploy.putGroup(full, true), true)
      const read = await store.deploy.group('shop', 'blue')
      assertRecord(read, full)
      assertSameJson(read, full)
      assert.equal(await store.deploy.putGroup({ ...group('shop', 'blue'), id: 'another-id' }, true), false, 'the name is taken')
      assertRecord(await store.deploy.group('shop', 'blue'), full)
      const bare = group('shop', 'blue', { deploymentConfigName: 'CodeDeployDefault.AllAtOnce', id: full.id })
      assert.equal(await store.deploy.putGroup(bare, false), true)
      const replaced = await store.deploy.group('shop', 'blue')
      assertRecord(replaced, bare)
      assert.equal(replaced?.lastSuccessfulDeployment, undefined)
      assert.equal(await store.deploy.putGroup(group('shop', 'green'), false), false, 'no such group to update')
      assert.equal(await store.deploy.group('shop', 'green'), undefined, 'an update never inserts')
      assert.equal(await store.deploy.group('shop', 'Blue'), undefined)
      assert.equal(await store.deploy.group('other', 'blue'), undefined)
    } finally {
      await store.close()
    }
  })

  it('deploy groups: names are per application; groups lists one application\'s groups byte-wise', async () => {
    const store = await makeStore()
    try {
      await store.deploy.insertApplication(app('shop'))
      await store.deploy.insertApplication(app('blog'))
      for (const name of SHUFFLED) assert.equal(await store.deploy.putGroup(group('shop', name), true), true)
      assert.equal(await store.deploy.putGroup(group('blog', 'alpha'), true), true, 'the same name in another application')
      assert.deepEqual((await store.deploy.groups('shop')).map((g) => g.name), BYTE_ORDER)
      assertRecord((await store.deploy.groups('blog')), [group('blog', 'alpha')])
      assert.deepEqual(await store.deploy.groups('none'), [])
    } finally {
      await store.close()
    }
  })

  it('deploy groups: renameGroup and deleteGroup act within one application', async () => {
    const store = await makeStore()
    try {
      await store.deploy.insertApplication(app('shop'))
      await store.deploy.insertApplication(app('blog'))
      await store.deploy.putGroup(fullGroup('shop', 'blue'), true)
      await store.deploy.putGroup(group('blog', 'blue'), true)
      const renamed = { ...fullGroup('shop', 'blue'), name: 'green', serviceRoleArn: 'arn:aws:iam::000000000000:role/other' }
      await store.deploy.renameGroup('shop', 'blue', renamed)
      assert.equal(await store.deploy.group('shop', 'blue'), undefined)
      assertRecord(await store.deploy.group('shop', 'green'), renamed)
      assertRecord(await store.deploy.group('blog', 'blue'), group('blog', 'blue'))
      await store.deploy.deleteGroup('shop', 'blue')
      await store.deploy.deleteGroup('blog', 'green')
      assert.deepEqual((await store.deploy.groups('shop')).map((g) => g.name), ['green'])
      assert.deepEqual((await store.deploy.groups('blog')).map((g) => g.name), ['blue'])
      await store.deploy.deleteGroup('shop', 'green')
      assert.deepEqual(await store.deploy.groups('shop'), [])
      assert.equal(await store.deploy.putGroup(group('shop', 'blue'), true), true, 'a deleted or renamed-away name is free')
    } finally {
      await store.close()
    }
  })

  it('deploy configs: insertConfig once per name, configs byte-wise, deleteConfig true once then false', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.deploy.configs(), [])
      for (const name of SHUFFLED) assert.equal(await store.deploy.insertConfig(config(name)), true)
      assert.equal(await store.deploy.insertConfig({ ...config('alpha'), minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }), false)
      const read = await store.deploy.config('alpha')
      assertRecord(read, config('alpha'))
      assert.strictEqual(read?.createdAt, T0.getTime())
      assert.deepEqual((await store.deploy.configs()).map((c) => c.name), BYTE_ORDER)
      assert.equal(await store.deploy.config('Alpha'), undefined)
      assert.equal(await store.deploy.deleteConfig('alpha'), true)
      assert.equal(await store.deploy.deleteConfig('alpha'), false)
      assert.equal(await store.deploy.config('alpha'), undefined)
      assert.equal((await store.deploy.configs()).length, BYTE_ORDER.length - 1)
    } finally {
      await store.close()
    }
  })

  it('deploy revisions: putRevision stores, revision reads back exactly, revisions lists one application\'s newest registered first', async () => {
    const store = await makeStore()
    try {
      await store.deploy.insertApplication(app('shop'))
      await store.deploy.insertApplication(app('blog'))
      const used = revision('shop', 'S3:releases/b.zip', at(2000), { description: TRICKY, firstUsedTime: at(3000), lastUsedTime: FAR_FUTURE })
      await store.deploy.putRevision(revision('shop', 'S3:releases/a.zip', at(1000)))
      await store.deploy.putRevision(used)
      await store.deploy.putRevision(revision('shop', 'S3:releases/c.zip', at(500)))
      await store.deploy.putRevision(revision('blog', 'S3:releases/a.zip', at(9000)))
      assertRecord(await store.deploy.revision('shop', used.key), used)
      assertSameJson((await store.deploy.revision('shop', used.key))?.revision, used.revision)
      const bare = await store.deploy.revision('shop', 'S3:releases/a.zip')
      assertRecord(bare, revision('shop', 'S3:releases/a.zip', at(1000)))
      for (const field of ['description', 'firstUsedTime', 'lastUsedTime'] as const) assert.equal(bare?.[field], undefined, field)
      assert.deepEqual((await store.deploy.revisions('shop')).map((r) => r.key), ['S3:releases/b.zip', 'S3:releases/a.zip', 'S3:releases/c.zip'])
      assertRecord(await store.deploy.revisions('blog'), [revision('blog', 'S3:releases/a.zip', at(9000))])
      assert.equal(await store.deploy.revision('shop', 'S3:releases/missing.zip'), undefined)
      assert.equal(await store.deploy.revision('other', 'S3:releases/a.zip'), undefined)
    } finally {
      await store.close()
    }
  })

  it('deploy revisions: putRevision of an existing key replaces it (an omitted description reads back undefined)', async () => {
    const store = await makeStore()
    try {
      await store.deploy.insertApplication(app('shop'))
      await store.deploy.putRevision(revision('shop', 'k', T0, { description: 'first' }))
      const again = revision('shop', 'k', T0, { revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'fête', commitId: 'a'.repeat(40) } }, firstUsedTime: at(1), lastUsedTime: at(2) })
      await store.deploy.putRevision(again)
      assertRecord(await store.deploy.revision('shop', 'k'), again)
      assert.equal((await store.deploy.revisions('shop')).length, 1)
    } finally {
      await store.close()
    }
  })

  it('deploy instances: putInstance stores, instance reads back exactly, instances sorts names byte-wise', async () => {
    const store = await makeStore()
    try {
      assert.deepEqual(await store.deploy.instances(), [])
      const full = instance('web-1', 'arn:aws:iam::000000000000:user/web-1', { registerTime: at(-1), deregisterTime: FAR_FUTURE, lastSeen: at(5) })
      await store.deploy.putInstance(full)
      assertRecord(await store.deploy.instance('web-1'), full)
      assertSameJson((await store.deploy.instance('web-1'))?.tags, full.tags)
      for (const name of SHUFFLED) await store.deploy.putInstance(instance(name, `arn:aws:iam::000000000000:user/${name}`, { tags: [] }))
      const bare = await store.deploy.instance('alpha')
      assertRecord(bare, instance('alpha', 'arn:aws:iam::000000000000:user/alpha', { tags: [] }))
      assert.equal(bare?.deregisterTime, undefined)
      assert.equal(bare?.lastSeen, undefined)
      assert.deepEqual((await store.deploy.instances()).map((i) => i.name), ['Beta', 'Zeta', 'alpha', 'beta', 'beta-2', 'beta_2', 'web-1', 'éclair', '～wide', '😀smile'])
      assert.equal(await store.deploy.instance('Alpha'), undefined)
    } finally {
      await store.close()
    }
  })

  it('deploy instances: putInstance of an existing name replaces every field (re-registering clears the deregistration)', async () => {
    const store = await makeStore()
    try {
      const arn = 'arn:aws:iam::000000000000:user/web'
      await store.deploy.putInstance(instance('web', arn, { lastSeen: at(1) }))
      await store.deploy.putInstance(instance('web', arn, { lastSeen: at(1), deregisterTime: at(2), tags: [{ Key: 'k', Value: 'v' }] }))
      assertRecord(await store.deploy.instance('web'), instance('web', arn, { lastSeen: at(1), deregisterTime: at(2), tags: [{ Key: 'k', Value: 'v' }] }))
      const again = instance('web', `${arn}-2`, { registerTime: at(3), tags: [{ Key: 'k', Value: 'v' }] })
      await store.deploy.putInstance(again)
      const read = await store.deploy.instance('web')
      assertRecord(read, again)
      assert.equal(read?.deregisterTime, undefined)
      assert.equal((await store.deploy.instances()).length, 1)
    } finally {
      await store.close()
    }
  })

  it('deploy instances: instanceByArn finds the registered instance and ignores deregistered ones', async () => {
    const store = await makeStore()
    try {
      const arn = 'arn:aws:iam::000000000000:user/shared'
      await store.deploy.putInstance(instance('old', arn, { deregisterTime: at(1) }))
      assert.equal(await store.deploy.instanceByArn(arn), undefined)
      await store.deploy.putInstance(instance('new', arn, { registerTime: at(2) }))
      assertRecord(await store.deploy.instanceByArn(arn), instance('new', arn, { registerTime: at(2) }))
      assert.equal(await store.deploy.instanceByArn(arn.toUpperCase()), undefined)
      assert.equal(await store.deploy.instanceByArn('arn:aws:iam::000000000000:user/none'), undefined)
    } finally {
      await store.close()
    }
  })

  it('deploy instances: touchInstance sets lastSeen only, and never creates an instance', async () => {
    const store = await makeStore()
    try {
      const web = instance('web', 'arn:aws:iam::000000000000:user/web')
      await store.deploy.putInstance(web)
      await store.deploy.touchInstance('web', FAR_FUTURE)
      assertRecord(await store.deploy.instance('web'), { ...web, lastSeen: FAR_FUTURE })
      await store.deploy.touchInstance('web', at(7))
      assert.deepStrictEqual((await store.deploy.instance('web'))?.lastSeen, at(7))
      await store.deploy.touchInstance('ghost', at(7))
      assert.equal(await store.deploy.instance('ghost'), undefined)
    } finally {
      await store.close()
    }
  })
}
