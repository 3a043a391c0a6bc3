import type { AwsJsonService } from '../../protocol/aws-json/operation-table.ts'
import type { Operations, SourceCredentialsInfo } from '../../protocol/models/codebuild.types.ts'
import { paginate } from '../../shared/paging.ts'
import { CodeBuildErrors as E } from '../errors.ts'
import type { BuildContext } from '../service/context.ts'
import * as projects from '../service/projects.ts'
import * as builds from '../service/builds.ts'
import * as fleets from '../service/fleets.ts'
import { buildView, projectView } from './views.ts'
import { buildArn } from '../service/context.ts'
import { AwsError } from '../../shared/errors.ts'
import { formatViolations } from '../../protocol/aws-json/validate.ts'
import { bareBuildId } from '../model/build-ids.ts'
import * as groups from '../service/report-groups.ts'
import * as sourceCredentials from '../service/source-credentials.ts'
import { curatedImages } from '../model/curated-images.ts'
import { RUNNER_PRESENT_MS } from '../service/runner-views.ts'

const invalidToken = () => E.invalidInput('Invalid pagination token')

/** `seal` encrypts what is stored secret (imported source credentials) with the master key. */
export function codeBuildApi(ctx: BuildContext, deps: { seal: (plain: string) => string }): AwsJsonService<Operations> {
  return {
    model: 'codebuild',
    // CodeBuild answers what its model refuses with InvalidInputException, not a generic ValidationException.
    mapViolations: (_operation, violations) => E.invalidInput(formatViolations(violations)),
    handlers: {
      CreateProject: async (i) => ({ project: projectView(ctx, await projects.createProject(ctx, i)) }),
      UpdateProject: async (i) => ({ project: projectView(ctx, await projects.updateProject(ctx, i)) }),
      DeleteProject: async (i) => {
        await projects.deleteProject(ctx, i.name)
        return {}
      },
      BatchGetProjects: async (i) => {
        const found = []
        const projectsNotFound = []
        for (const name of i.names) {
          const bare = name.replace(/^arn:aws[\w-]*:codebuild:[^:]*:\d*:project\//, '')
          const p = await ctx.store.projects.get(bare)
          if (p) found.push(projectView(ctx, p))
          else projectsNotFound.push(name)
        }
        return { projects: found, projectsNotFound }
      },
      ListProjects: async (i) => {
        let list = await ctx.store.projects.list()
        if (i.sortBy === 'CREATED_TIME') list = list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        if (i.sortBy === 'LAST_MODIFIED_TIME') list = list.sort((a, b) => a.lastModifiedAt.getTime() - b.lastModifiedAt.getTime())
        if (i.sortOrder === 'DESCENDING') list.reverse()
        const { page, nextToken } = paginate(list.map((p) => p.name), i.nextToken, 100, invalidToken)
        return { projects: page, nextToken }
      },

      StartBuild: async (i, call) => ({ build: buildView(ctx, await builds.startBuild(ctx, i, call.principal)) }),
      StopBuild: async (i) => ({ build: buildView(ctx, await builds.stopBuild(ctx, i.id)) }),
      RetryBuild: async (i) => {
        if (!i.id) throw E.invalidInput('Build id is required')
        return { build: buildView(ctx, await builds.retryBuild(ctx, i.id, i.idempotencyToken)) }
      },
      BatchGetBuilds: async (i) => {
        const found = []
        const buildsNotFound = []
        for (const id of i.ids) if (!bareBuildId(id)) throw E.invalidInput(`Invalid build ID provided: ${id}`)
        for (const id of i.ids) {
          const b = await ctx.store.builds.get(bareBuildId(id)!)
          if (b) found.push(buildView(ctx, b))
          else buildsNotFound.push(id)
        }
        return { builds: found, buildsNotFound }
      },
      ListBuilds: async (i) => {
        const { page, nextToken } = paginate(await ctx.store.builds.listIds(i.sortOrder ?? 'DESCENDING'), i.nextToken, 100, invalidToken)
        return { ids: page, nextToken }
      },
      ListBuildsForProject: async (i) => {
        await projects.requireProject(ctx, i.projectName)
        const { page, nextToken } = paginate(await ctx.store.builds.listIds(i.sortOrder ?? 'DESCENDING', i.projectName), i.nextToken, 100, invalidToken)
        return { ids: page, nextToken }
      },
      BatchDeleteBuilds: async (i) => builds.batchDeleteBuilds(ctx, i.ids),

      CreateFleet: async (i) => ({ fleet: fleets.fleetView(await fleets.createFleet(ctx, i)) }),
      UpdateFleet: async (i) => ({ fleet: fleets.fleetView(await fleets.updateFleet(ctx, i)) }),
      DeleteFleet: async (i) => {
        await fleets.deleteFleet(ctx, i.arn)
        return {}
      },
      BatchGetFleets: async (i) => {
        const found = []
        const fleetsNotFound = []
        for (const name of i.names) {
          const f = await fleets.requireFleet(ctx, name).catch(() => undefined)
          if (f) found.push(fleets.fleetView(f))
          else fleetsNotFound.push(name)
        }
        return { fleets: found, fleetsNotFound }
      },
      ListFleets: async (i) => {
        let list = await ctx.store.fleets.list()
        if (i.sortBy === 'NAME') list = list.sort((a, b) => a.name.localeCompare(b.name))
        if (i.sortBy === 'LAST_MODIFIED_TIME') list = list.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime())
        if (i.sortOrder === 'DESCENDING') list.reverse()
        const { page, nextToken } = paginate(list.map((f) => f.arn), i.nextToken, i.maxResults ?? 100, invalidToken)
        return { fleets: page, nextToken }
      },

      BatchGetReports: async (i) => {
        const reports = []
        const reportsNotFound = []
        for (const arn of i.reportArns) {
          const r = await ctx.store.reports.get(arn)
          if (!r) {
            reportsNotFound.push(arn)
            continue
          }
          reports.push({
            arn: r.arn, type: r.type, name: r.name, reportGroupArn: r.reportGroupArn, executionId: buildArn(ctx, r.buildId),
            status: r.status, created: r.createdAt, testSummary: r.summary,
          })
        }
        return { reports, reportsNotFound }
      },
      DescribeTestCases: async (i) => {
        const r = await ctx.store.reports.get(i.reportArn)
        if (!r) throw new AwsError('ResourceNotFoundException', `Report ${i.reportArn} does not exist`)
        const cases = r.testCases.filter((c) => !i.filter?.status || c.status === i.filter.status).map((c) => ({ ...c, reportArn: r.arn, expired: undefined }))
        const { page, nextToken } = paginate(cases, i.nextToken, i.maxResults ?? 50, invalidToken)
        return { testCases: page, nextToken }
      },
      ListCuratedEnvironmentImages: async () => {
        const runners = await ctx.store.runners.active(new Date(ctx.clock.now().getTime() - RUNNER_PRESENT_MS))
        return { platforms: curatedImages(runners) }
      },
      ImportSourceCredentials: async (i) => sourceCredentials.importSourceCredentials(ctx, deps.seal, i),
      // Stored values came through the model's enums.
      ListSourceCredentials: async () => ({ sourceCredentialsInfos: (await sourceCredentials.listSourceCredentials(ctx)) as SourceCredentialsInfo[] }),
      DeleteSourceCredentials: async (i) => sourceCredentials.deleteSourceCredentials(ctx, i.arn),
      CreateReportGroup: async (i) => ({ reportGroup: groups.reportGroupView(await groups.createReportGroup(ctx, i)) }),
      UpdateReportGroup: async (i) => ({ reportGroup: groups.reportGroupView(await groups.updateReportGroup(ctx, i)) }),
      DeleteReportGroup: async (i) => {
        await groups.deleteReportGroup(ctx, i.arn, i.deleteReports === true)
        return {}
      },
      BatchGetReportGroups: async (i) => {
        const found = []
        const reportGroupsNotFound = []
        for (const arn of i.reportGroupArns) {
          const g = await ctx.store.reports.group(arn)
          if (g) found.push(groups.reportGroupView(g))
          else reportGroupsNotFound.push(arn)
        }
        return { reportGroups: found, reportGroupsNotFound }
      },
      ListReportGroups: async (i) => {
        let list = await ctx.store.reports.groups()
        if (i.sortBy === 'CREATED_TIME') list = [...list].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        if (i.sortBy === 'LAST_MODIFIED_TIME') list = [...list].sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime())
        if (i.sortOrder === 'DESCENDING') list = [...list].reverse()
        const { page, nextToken } = paginate(list.map((g) => g.arn), i.nextToken, i.maxResults ?? 100, invalidToken)
        return { reportGroups: page, nextToken }
      },
      ListReports: async (i) => {
        let list = (await ctx.store.reports.list()).filter((r) => !i.filter?.status || r.status === i.filter.status)
        if (i.sortOrder === 'ASCENDING') list = list.reverse()
        const { page, nextToken } = paginate(list.map((r) => r.arn), i.nextToken, i.maxResults ?? 100, invalidToken)
        return { reports: page, nextToken }
      },
      GetReportGroupTrend: async (i) => groups.reportGroupTrend(ctx, i.reportGroupArn, i.trendField, i.numOfReports),
      ListReportsForReportGroup: async (i) => {
        const { page, nextToken } = paginate((await ctx.store.reports.byGroup(i.reportGroupArn)).map((r) => r.arn), i.nextToken, i.maxResults ?? 100, invalidToken)
        return { reports: page, nextToken }
      },
    },
  }
}
