import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, awsWithFilesOnly, AWS } from '../helpers/aws-cli.ts'

const cliMissing = !(await awsCliAvailable())

describe('CodeDeploy API with the real AWS CLI (no agents)', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  const dir = tempDir('deploy-api')
  before(async () => {
    // A lease far longer than one CLI call on a busy machine: the second create-deployment below must
    // meet the first still running (with 2 s, a loaded machine failed the first before the second came).
    server = await startTestServer({ extraArgs: ['--executor', 'host'], env: { SLIPWAY_AGENT_LEASE_MS: '12000' } })
    await aws(server, ['s3', 'mb', 's3://bundles'])
  })
  after(async () => {
    await server?.stop()
  })

  it('manages applications, groups, configs, instances and revisions with AWS error names', async () => {
    assert.match((await aws(server, ['deploy', 'create-application', '--application-name', 'Shop'])).json.applicationId, /^[0-9a-f-]{36}$/)
    assert.equal((await aws(server, ['deploy', 'create-application', '--application-name', 'Shop'])).errorCode, 'ApplicationAlreadyExistsException')
    assert.equal((await aws(server, ['deploy', 'get-application', '--application-name', 'Nope'])).errorCode, 'ApplicationDoesNotExistException')
    assert.deepEqual((await aws(server, ['deploy', 'list-applications'])).json.applications, ['Shop'])

    const one = await aws(server, ['deploy', 'get-deployment-config', '--deployment-config-name', 'CodeDeployDefault.OneAtATime'])
    assert.deepEqual(one.json.deploymentConfigInfo.minimumHealthyHosts, { type: 'MOST_CONCURRENCY', value: 1 })
    assert.equal((await aws(server, ['deploy', 'create-deployment-config', '--deployment-config-name', 'TwoHealthy', '--minimum-healthy-hosts', 'type=HOST_COUNT,value=2'])).code, 0)
    assert.ok((await aws(server, ['deploy', 'list-deployment-configs'])).json.deploymentConfigsList.includes('TwoHealthy'))
    assert.equal((await aws(server, ['deploy', 'delete-deployment-config', '--deployment-config-name', 'CodeDeployDefault.AllAtOnce'])).errorCode, 'InvalidOperationException')

    assert.equal((await aws(server, ['deploy', 'register-on-premises-instance', '--instance-name', 'web-1', '--iam-user-arn', 'arn:aws:iam::000000000000:user/web-1'])).code, 0)
    assert.equal((await aws(server, ['deploy', 'register-on-premises-instance', '--instance-name', 'web-1', '--iam-user-arn', 'arn:aws:iam::000000000000:user/other'])).errorCode, 'InstanceNameAlreadyRegisteredException')
    assert.equal((await aws(server, ['deploy', 'add-tags-to-on-premises-instances', '--instance-names', 'web-1', '--tags', 'Key=env,Value=prod', 'Key=role,Value=web'])).code, 0)
    const got = await aws(server, ['deploy', 'get-on-premises-instance', '--instance-name', 'web-1'])
    assert.deepEqual(got.json.instanceInfo.tags, [{ Key: 'env', Value: 'prod' }, { Key: 'role', Value: 'web' }])
    assert.deepEqual((await aws(server, ['deploy', 'list-on-premises-instances', '--tag-filters', 'Key=env,Value=prod,Type=KEY_AND_VALUE'])).json.instanceNames, ['web-1'])

    const group = await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'Shop', '--deployment-group-name', 'Prod', '--deployment-config-name', 'CodeDeployDefault.AllAtOnce',
      '--on-premises-instance-tag-filters', 'Key=env,Value=prod,Type=KEY_AND_VALUE', '--service-role-arn', 'arn:aws:iam::000000000000:role/cd'])
    assert.equal(group.code, 0, group.stderr)
    assert.equal((await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'Shop', '--deployment-group-name', 'Prod', '--service-role-arn', 'r'])).errorCode, 'DeploymentGroupAlreadyExistsException')
    assert.equal((await aws(server, ['deploy', 'get-deployment-group', '--application-name', 'Shop', '--deployment-group-name', 'Prod'])).json.deploymentGroupInfo.deploymentConfigName, 'CodeDeployDefault.AllAtOnce')

    // aws deploy push: zips the folder, uploads it to S3 (through the config file's endpoint_url), registers the revision.
    const app = path.join(dir, 'app')
    fs.mkdirSync(app, { recursive: true })
    fs.writeFileSync(path.join(app, 'appspec.yml'), 'version: 0.0\nos: linux\n')
    const pushed = await awsWithFilesOnly(server, ['deploy', 'push', '--application-name', 'Shop', '--s3-location', 's3://bundles/shop.zip', '--source', app])
    assert.equal(pushed.code, 0, pushed.stderr)
    const revisions = await aws(server, ['deploy', 'list-application-revisions', '--application-name', 'Shop'])
    assert.equal(revisions.json.revisions[0].s3Location.key, 'shop.zip')
    const rev = await aws(server, ['deploy', 'get-application-revision', '--application-name', 'Shop', '--s3-location', `bucket=bundles,key=shop.zip,bundleType=zip,eTag=${revisions.json.revisions[0].s3Location.eTag}`])
    assert.equal(rev.code, 0, rev.stderr)
    assert.equal(rev.json.revisionInfo.description.startsWith('Uploaded by AWS CLI'), true)
  })

  it('fails a host whose agent never answers within the lease, and the deployment, instead of hanging', async () => {
    const eTag = (await aws(server, ['deploy', 'list-application-revisions', '--application-name', 'Shop'])).json.revisions[0].s3Location.eTag
    const created = await aws(server, ['deploy', 'create-deployment', '--application-name', 'Shop', '--deployment-group-name', 'Prod', '--s3-location', `bucket=bundles,key=shop.zip,bundleType=zip,eTag=${eTag}`])
    assert.equal(created.code, 0, created.stderr)
    const id = created.json.deploymentId
    assert.match(id, /^d-[A-Z0-9]{9}$/)
    assert.equal((await aws(server, ['deploy', 'create-deployment', '--application-name', 'Shop', '--deployment-group-name', 'Prod', '--s3-location', 'bucket=bundles,key=shop.zip,bundleType=zip'])).errorCode, 'DeploymentLimitExceededException')
    let info
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      info = (await aws(server, ['deploy', 'get-deployment', '--deployment-id', id])).json.deploymentInfo
      if (info.status !== 'InProgress' && info.status !== 'Created') break
      await sleep(200)
    }
    assert.equal(info.status, 'Failed')
    const target = (await aws(server, ['deploy', 'get-deployment-target', '--deployment-id', id, '--target-id', 'web-1'])).json.deploymentTarget.instanceTarget
    assert.equal(target.status, 'Failed')
    assert.equal(target.lifecycleEvents[0].status, 'Failed')
    assert.match(target.lifecycleEvents[0].diagnostics.message, /stopped responding/)
    assert.equal(target.lifecycleEvents[1].status, 'Skipped')
    assert.equal((await aws(server, ['deploy', 'stop-deployment', '--deployment-id', id])).errorCode, 'DeploymentAlreadyCompletedException')

    // list-deployments: by group, or all; an application without its group (or the reverse) is refused as AWS refuses it.
    assert.deepEqual((await aws(server, ['deploy', 'list-deployments', '--application-name', 'Shop', '--deployment-group-name', 'Prod'])).json.deployments, [id])
    assert.ok((await aws(server, ['deploy', 'list-deployments'])).json.deployments.includes(id))
    assert.equal((await aws(server, ['deploy', 'list-deployments', '--application-name', 'Shop'])).errorCode, 'DeploymentGroupNameRequiredException')
    assert.equal((await aws(server, ['deploy', 'list-deployments', '--deployment-group-name', 'Prod'])).errorCode, 'ApplicationNameRequiredException')
    assert.equal((await aws(server, ['deploy', 'list-deployments', '--application-name', 'Shop', '--deployment-group-name', 'Nope'])).errorCode, 'DeploymentGroupDoesNotExistException')
    assert.equal((await aws(server, ['deploy', 'list-deployments', '--application-name', 'Nope', '--deployment-group-name', 'Prod'])).errorCode, 'ApplicationDoesNotExistException')
  })

  it('a deployment group that matches no instance fails with NO_INSTANCES', async () => {
    await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'Shop', '--deployment-group-name', 'Empty', '--on-premises-instance-tag-filters', 'Key=env,Value=none,Type=KEY_AND_VALUE', '--service-role-arn', 'r'])
    const id = (await aws(server, ['deploy', 'create-deployment', '--application-name', 'Shop', '--deployment-group-name', 'Empty', '--s3-location', 'bucket=bundles,key=shop.zip,bundleType=zip'])).json.deploymentId
    const info = (await aws(server, ['deploy', 'get-deployment', '--deployment-id', id])).json.deploymentInfo
    assert.equal(info.status, 'Failed')
    assert.equal(info.errorInformation.code, 'NO_INSTANCES')
    const waited = await aws(server, ['deploy', 'wait', 'deployment-successful', '--deployment-id', id])
    assert.notEqual(waited.code, 0, 'the waiter fails on a Failed deployment')
  })

  it('tags applications and deployment groups by ARN, refuses bad ARNs and aws: keys, and refuses GitHub revisions when asked for (issue 14, item 5)', async () => {
    assert.equal((await aws(server, ['deploy', 'create-application', '--application-name', 'Tagged', '--tags', 'Key=team,Value=web'])).code, 0)
    const appArn = 'arn:aws:codedeploy:us-east-1:000000000000:application:Tagged'
    assert.deepEqual((await aws(server, ['deploy', 'list-tags-for-resource', '--resource-arn', appArn])).json.Tags, [{ Key: 'team', Value: 'web' }])
    assert.equal((await aws(server, ['deploy', 'tag-resource', '--resource-arn', appArn, '--tags', 'Key=tier,Value=1'])).code, 0)
    assert.equal((await aws(server, ['deploy', 'untag-resource', '--resource-arn', appArn, '--tag-keys', 'team'])).code, 0)
    assert.deepEqual((await aws(server, ['deploy', 'list-tags-for-resource', '--resource-arn', appArn])).json.Tags, [{ Key: 'tier', Value: '1' }])
    assert.equal((await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'Tagged', '--deployment-group-name', 'Prod', '--service-role-arn', 'arn:aws:iam::000000000000:role/r', '--tags', 'Key=env,Value=prod'])).code, 0)
    const groupArn = 'arn:aws:codedeploy:us-east-1:000000000000:deploymentgroup:Tagged/Prod'
    assert.deepEqual((await aws(server, ['deploy', 'list-tags-for-resource', '--resource-arn', groupArn])).json.Tags, [{ Key: 'env', Value: 'prod' }])
    assert.equal((await aws(server, ['deploy', 'tag-resource', '--resource-arn', 'arn:aws:codedeploy:us-east-1:000000000000:application:Nope', '--tags', 'Key=a,Value=b'])).errorCode, 'ApplicationDoesNotExistException')
    assert.equal((await aws(server, ['deploy', 'tag-resource', '--resource-arn', 'not-an-arn', '--tags', 'Key=a,Value=b'])).errorCode, 'InvalidArnException')
    assert.equal((await aws(server, ['deploy', 'tag-resource', '--resource-arn', appArn, '--tags', 'Key=aws:x,Value=b'])).errorCode, 'InvalidTagsToAddException')

    const github = await aws(server, ['deploy', 'create-deployment', '--application-name', 'Tagged', '--deployment-group-name', 'Prod', '--github-location', 'repository=org/app,commitId=0123456789abcdef0123456789abcdef01234567'])
    assert.equal(github.errorCode, 'InvalidRevisionException', github.stderr)
    assert.match(github.stderr, /GitHub revisions/)
  })
})
