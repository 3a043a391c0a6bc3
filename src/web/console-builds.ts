import type { Build, BuildArtifacts, Project, Report, TestCase } from '../protocol/models/codebuild.types.ts'
import { AwsError } from '../shared/errors.ts'
import type { ConsoleApiDeps } from './console-api.ts'
import { ConsoleDownload, type ConsoleRouter, readJson, str } from './console-route.ts'
import { s3LocationOf } from '../build/runner/source.ts'

type BuildSummary = Pick<Build, 'id' | 'buildNumber' | 'buildStatus' | 'currentPhase' | 'startTime' | 'endTime' | 'sourceVersion' | 'resolvedSourceVersion' | 'initiator'>
/** One downloadable object of an artifact (a zip is one object, a NONE-packaged artifact one per file). */
type ArtifactFile = { key: string; size: number }
type ArtifactView = { identifier: string; location: string; bucket: string; key: string; files: ArtifactFile[] }

const ARTIFACT_FILES_SHOWN = 100

const summary = (b: Build): BuildSummary => ({
  id: b.id, buildNumber: b.buildNumber, buildStatus: b.buildStatus, currentPhase: b.currentPhase, startTime: b.startTime, endTime: b.endTime,
  sourceVersion: b.sourceVersion, resolvedSourceVersion: b.resolvedSourceVersion, initiator: b.initiator,
})

/** `/console/api/projects*` and `/console/api/builds/:id/*`: projects, their builds, build details, stop/retry, artifact downloads. */
export function registerBuildRoutes(router: ConsoleRouter, deps: ConsoleApiDeps): void {
  const { route, call, audit } = router
  const getBuilds = async (ids: string[], principal: string): Promise<Build[]> => {
    if (ids.length === 0) return []
    const { builds } = (await call(deps.builds, 'BatchGetBuilds', { ids }, principal)) as { builds: Build[] }
    const byId = new Map(builds.map((b) => [b.id, b]))
    return ids.map((id) => byId.get(id)).filter((b): b is Build => b !== undefined)
  }
  const requireBuild = async (id: string, principal: string): Promise<Build> => {
    const [build] = await getBuilds([id], principal)
    if (!build) throw new AwsError('ResourceNotFoundException', `Build ${id} does not exist`, 404)
    return build
  }
  const newestBuildIds = async (projectName: string, principal: string, nextToken?: string) =>
    (await call(deps.builds, 'ListBuildsForProject', { projectName, sortOrder: 'DESCENDING', ...(nextToken ? { nextToken } : {}) }, principal)) as { ids: string[]; nextToken?: string }

  /** Projects by name (100 a page, `?nextToken=`), each with its newest build. */
  route('GET', '/console/api/projects', async (request, principal) => {
    const token = str(request.query.nextToken)
    const listed = (await call(deps.builds, 'ListProjects', { sortBy: 'NAME', ...(token ? { nextToken: token } : {}) }, principal)) as { projects: string[]; nextToken?: string }
    if (listed.projects.length === 0) return { projects: [], nextToken: listed.nextToken }
    const { projects } = (await call(deps.builds, 'BatchGetProjects', { names: listed.projects }, principal)) as { projects: Project[] }
    const latestIds = await Promise.all(projects.map(async (p) => (await newestBuildIds(p.name ?? '', principal)).ids[0]))
    const latest = new Map((await getBuilds(latestIds.filter((id): id is string => !!id), principal)).map((b) => [b.projectName, summary(b)]))
    return {
      projects: projects.map((p) => ({ name: p.name, description: p.description, sourceType: p.source?.type, image: p.environment?.image, latestBuild: latest.get(p.name ?? '') })),
      nextToken: listed.nextToken,
    }
  })

  /** One project and a page of its builds, newest first (`?nextToken=` for older ones). */
  route('GET', '/console/api/projects/:name/builds', async (request, principal) => {
    const name = request.params.name ?? ''
    const token = str(request.query.nextToken)
    const { projects } = (await call(deps.builds, 'BatchGetProjects', { names: [name] }, principal)) as { projects: Project[] }
    const project = projects[0]
    if (!project) throw new AwsError('ResourceNotFoundException', `Project ${name} does not exist`, 404)
    const { ids, nextToken } = await newestBuildIds(name, principal, token || undefined)
    return {
      project: { name: project.name, description: project.description, sourceType: project.source?.type, sourceLocation: project.source?.location, image: project.environment?.image },
      builds: (await getBuilds(ids, principal)).map(summary),
      nextToken,
    }
  })

  route('POST', '/console/api/projects/:name/builds', async (request, principal) => {
    const projectName = request.params.name ?? ''
    const body = await readJson(request)
    const sourceVersion = str(body.sourceVersion).trim()
    const { build } = (await call(deps.builds, 'StartBuild', { projectName, ...(sourceVersion ? { sourceVersion } : {}) }, principal)) as { build: Build }
    await audit(principal, 'codebuild:StartBuild', build.id ?? projectName)
    return { build: summary(build) }
  })

  route('POST', '/console/api/builds/:id/stop', async (request, principal) => {
    const id = request.params.id ?? ''
    const { build } = (await call(deps.builds, 'StopBuild', { id }, principal)) as { build: Build }
    await audit(principal, 'codebuild:StopBuild', id)
    return { build: summary(build) }
  })

  route('POST', '/console/api/builds/:id/retry', async (request, principal) => {
    const id = request.params.id ?? ''
    const { build } = (await call(deps.builds, 'RetryBuild', { id }, principal)) as { build: Build }
    await audit(principal, 'codebuild:RetryBuild', id)
    return { build: summary(build) }
  })

  /** The build runners present now (`slipway runner`, the server's own), each with the builds it runs. */
  route('GET', '/console/api/runners', async () => ({ runners: await deps.runners() }))

  /** The build with its test reports (summary and the test cases that did not pass) and its artifacts' downloadable files. */
  route('GET', '/console/api/builds/:id/details', async (request, principal) => {
    const build = await requireBuild(request.params.id ?? '', principal)
    const reports = await testReports(build.reportArns ?? [], principal)
    const artifacts = await Promise.all(artifactsOf(build).map(async ([identifier, a]) => artifactView(identifier, a)))
    const waiting = await deps.whyQueued(build.id ?? '')
    return { build, reports, artifacts: artifacts.filter((a): a is ArtifactView => a !== undefined), logUrl: `/slipway/builds/${encodeURIComponent(build.id ?? '')}/log`, ...(waiting ? { waiting } : {}) }
  })

  /** Streams one object of the build's artifacts (`?key=`): only keys at or under one of the build's artifact locations. */
  route('GET', '/console/api/builds/:id/artifact', async (request, principal) => {
    const build = await requireBuild(request.params.id ?? '', principal)
    const key = str(request.query.key)
    const owner = artifactsOf(build)
      .map(([, a]) => s3LocationOf(a.location ?? ''))
      .find((loc) => loc && (key === loc.key || key.startsWith(`${loc.key}/`)))
    if (!owner) throw new AwsError('ResourceNotFoundException', `Build ${build.id} has no artifact object ${key}`, 404)
    const { meta, body } = await deps.objects.getObject(owner.bucket, key)
    return new ConsoleDownload(body, key.split('/').pop() || 'artifact', meta.contentType ?? 'application/octet-stream')
  })

  const testReports = async (reportArns: string[], principal: string) => {
    if (reportArns.length === 0) return []
    const { reports } = (await call(deps.builds, 'BatchGetReports', { reportArns }, principal)) as { reports: Report[] }
    return Promise.all(
      reports.map(async (r) => {
        const failing: TestCase[] = []
        for (const status of ['FAILED', 'ERROR']) {
          const { testCases } = (await call(deps.builds, 'DescribeTestCases', { reportArn: r.arn, filter: { status }, maxResults: 100 }, principal)) as { testCases: TestCase[] }
          failing.push(...testCases)
        }
        return { arn: r.arn, name: r.name, status: r.status, testSummary: r.testSummary, failedTestCases: failing.map((c) => ({ prefix: c.prefix, name: c.name, status: c.status, message: c.message, durationInNanoSeconds: c.durationInNanoSeconds })) }
      }),
    )
  }

  const artifactView = async (identifier: string, a: BuildArtifacts): Promise<ArtifactView | undefined> => {
    const loc = s3LocationOf(a.location ?? '')
    if (!loc) return undefined
    const base = { identifier, location: a.location ?? '', ...loc }
    try {
      const meta = await deps.objects.headObject(loc.bucket, loc.key)
      return { ...base, files: [{ key: loc.key, size: meta.size }] }
    } catch (err) {
      if (!(err instanceof AwsError)) throw err
    }
    try {
      const listed = await deps.objects.listObjects(loc.bucket, { prefix: `${loc.key}/`, maxKeys: ARTIFACT_FILES_SHOWN })
      return { ...base, files: listed.objects.map((o) => ({ key: o.key, size: o.size })) }
    } catch (err) {
      if (err instanceof AwsError) return { ...base, files: [] }
      throw err
    }
  }
}

function artifactsOf(build: Build): [string, BuildArtifacts][] {
  const list: [string, BuildArtifacts][] = build.artifacts ? [['primary', build.artifacts]] : []
  for (const a of build.secondaryArtifacts ?? []) list.push([a.artifactIdentifier ?? 'secondary', a])
  return list
}
