import type { AwsJsonService } from '../../protocol/aws-json/operation-table.ts'
import type { Operations } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import { paginate } from '../../shared/paging.ts'
import type { DeployContext } from '../service/context.ts'
import { E, requireApplication, requireGroup } from '../service/context.ts'
import * as apps from '../service/applications.ts'
import * as configs from '../service/configs.ts'
import * as revisions from '../service/revisions.ts'
import * as instances from '../service/instances.ts'
import * as tags from '../service/tags.ts'
import type { DeploymentOperations } from './deployment-handlers.ts'

const badToken = () => new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.')

export function codeDeployApi(ctx: DeployContext, deployments: DeploymentOperations): AwsJsonService<Operations> {
  return {
    model: 'codedeploy',
    handlers: {
      CreateApplication: async (i) => {
        const applicationId = await apps.createApplication(ctx, i.applicationName, i.computePlatform)
        await tags.tagNew(ctx, tags.applicationArn(ctx, i.applicationName), i.tags)
        return { applicationId }
      },
      GetApplication: async (i) => ({ application: apps.applicationInfo(await requireApplication(ctx, i.applicationName)) }),
      BatchGetApplications: async (i) => {
        const out = []
        for (const name of i.applicationNames) out.push(apps.applicationInfo(await requireApplication(ctx, name)))
        return { applicationsInfo: out }
      },
      ListApplications: async (i) => {
        const { page, nextToken } = paginate((await ctx.store.deploy.applications()).map((a) => a.name), i.nextToken, 100, badToken)
        return { applications: page, nextToken }
      },
      DeleteApplication: async (i) => {
        for (const g of await ctx.store.deploy.groups(i.applicationName)) await ctx.store.tags.removeAll(tags.groupArn(ctx, i.applicationName, g.name))
        await ctx.store.deploy.deleteApplication(i.applicationName)
        await ctx.store.tags.removeAll(tags.applicationArn(ctx, i.applicationName))
        return {}
      },

      CreateDeploymentGroup: async (i) => {
        const deploymentGroupId = await apps.createGroup(ctx, i)
        await tags.tagNew(ctx, tags.groupArn(ctx, i.applicationName, i.deploymentGroupName), i.tags)
        return { deploymentGroupId }
      },
      GetDeploymentGroup: async (i) => ({ deploymentGroupInfo: await apps.groupInfo(ctx, await requireGroup(ctx, i.applicationName, i.deploymentGroupName)) }),
      BatchGetDeploymentGroups: async (i) => {
        const out = []
        for (const name of i.deploymentGroupNames) out.push(await apps.groupInfo(ctx, await requireGroup(ctx, i.applicationName, name)))
        return { deploymentGroupsInfo: out }
      },
      ListDeploymentGroups: async (i) => {
        await requireApplication(ctx, i.applicationName)
        const { page, nextToken } = paginate((await ctx.store.deploy.groups(i.applicationName)).map((g) => g.name), i.nextToken, 100, badToken)
        return { applicationName: i.applicationName, deploymentGroups: page, nextToken }
      },
      UpdateDeploymentGroup: async (i) => {
        await apps.updateGroup(ctx, i)
        return { hooksNotCleanedUp: [] }
      },
      DeleteDeploymentGroup: async (i) => {
        await ctx.store.deploy.deleteGroup(i.applicationName, i.deploymentGroupName)
        await ctx.store.tags.removeAll(tags.groupArn(ctx, i.applicationName, i.deploymentGroupName))
        return { hooksNotCleanedUp: [] }
      },

      TagResource: async (i) => {
        await tags.tagResource(ctx, i.ResourceArn, i.Tags)
        return {}
      },
      UntagResource: async (i) => {
        await tags.untagResource(ctx, i.ResourceArn, i.TagKeys)
        return {}
      },
      ListTagsForResource: async (i) => ({ Tags: await tags.listTags(ctx, i.ResourceArn) }),

      CreateDeploymentConfig: async (i) => ({ deploymentConfigId: await configs.createConfig(ctx, i.deploymentConfigName, i.minimumHealthyHosts) }),
      GetDeploymentConfig: async (i) => ({ deploymentConfigInfo: await configs.configInfo(ctx, i.deploymentConfigName) }),
      ListDeploymentConfigs: async (i) => {
        const names = [...Object.keys(configs.BUILT_IN_CONFIGS), ...(await ctx.store.deploy.configs()).map((c) => c.name)]
        const { page, nextToken } = paginate(names, i.nextToken, 100, badToken)
        return { deploymentConfigsList: page, nextToken }
      },
      DeleteDeploymentConfig: async (i) => {
        if (configs.BUILT_IN_CONFIGS[i.deploymentConfigName]) throw new AwsError('InvalidOperationException', 'The built-in deployment configurations cannot be deleted.')
        if (!(await ctx.store.deploy.deleteConfig(i.deploymentConfigName))) throw E.configMissing(i.deploymentConfigName)
        return {}
      },

      RegisterApplicationRevision: async (i) => {
        await revisions.registerRevision(ctx, i.applicationName, i.revision, i.description)
        return {}
      },
      GetApplicationRevision: async (i) => revisions.getRevision(ctx, i.applicationName, i.revision),
      ListApplicationRevisions: async (i) => {
        await requireApplication(ctx, i.applicationName)
        let list = await ctx.store.deploy.revisions(i.applicationName)
        if (i.s3Bucket) list = list.filter((r) => r.revision.s3Location?.bucket === i.s3Bucket && (!i.s3KeyPrefix || (r.revision.s3Location?.key ?? '').startsWith(i.s3KeyPrefix)))
        if (i.sortOrder === 'ascending') list.reverse()
        const { page, nextToken } = paginate(list.map((r) => r.revision), i.nextToken, 100, badToken)
        return { revisions: page, nextToken }
      },

      RegisterOnPremisesInstance: async (i) => {
        await instances.registerInstance(ctx, i.instanceName, i.iamUserArn ?? i.iamSessionArn)
        return {}
      },
      DeregisterOnPremisesInstance: async (i) => {
        await instances.deregisterInstance(ctx, i.instanceName)
        return {}
      },
      AddTagsToOnPremisesInstances: async (i) => {
        await instances.addTags(ctx, i.instanceNames, i.tags)
        return {}
      },
      RemoveTagsFromOnPremisesInstances: async (i) => {
        await instances.removeTags(ctx, i.instanceNames, i.tags)
        return {}
      },
      GetOnPremisesInstance: async (i) => ({ instanceInfo: instances.instanceInfo(ctx, await instances.requireInstance(ctx, i.instanceName)) }),
      BatchGetOnPremisesInstances: async (i) => {
        const out = []
        for (const name of i.instanceNames ?? []) {
          const inst = await ctx.store.deploy.instance(name)
          if (inst) out.push(instances.instanceInfo(ctx, inst))
        }
        return { instanceInfos: out }
      },
      ListOnPremisesInstances: async (i) => {
        let list = await ctx.store.deploy.instances()
        if (i.registrationStatus === 'Registered') list = list.filter((x) => !x.deregisterTime)
        if (i.registrationStatus === 'Deregistered') list = list.filter((x) => x.deregisterTime)
        if (i.tagFilters?.length) list = list.filter((x) => instances.matchesTagFilters(x, i.tagFilters!))
        const { page, nextToken } = paginate(list.map((x) => x.name), i.nextToken, 100, badToken)
        return { instanceNames: page, nextToken }
      },

      ...deployments,
    },
  }
}
