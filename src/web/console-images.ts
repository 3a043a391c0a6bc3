import type { AwsJsonService } from '../protocol/aws-json/operation-table.ts'
import type { StoreSlice } from '../infra/store.ts'
import type { ImageDetail, Repository } from '../protocol/models/ecr.types.ts'
import type { ConsoleRouter } from './console-route.ts'

/** How many recent executions of each pipeline watching a repository are searched for its images. */
const EXECUTIONS_SEARCHED = 100

export type ConsoleImagesDeps = { ecr: AwsJsonService; store: StoreSlice<'pipelines'> }

/**
 * `/console/api/images*`: ECR repositories and their images (through ECR's own handlers), with the
 * pipeline executions whose ECR source used each image.
 */
export function registerImageRoutes(router: ConsoleRouter, deps: ConsoleImagesDeps): void {
  const { route, call } = router

  route('GET', '/console/api/images', async (_request, principal) => {
    const { repositories } = (await call(deps.ecr, 'DescribeRepositories', { maxResults: 1000 }, principal)) as { repositories: Repository[] }
    return {
      repositories: await Promise.all(repositories.map(async (r) => {
        const { imageIds } = (await call(deps.ecr, 'ListImages', { repositoryName: r.repositoryName, maxResults: 1000 }, principal)) as { imageIds: { imageDigest?: string }[] }
        return { ...r, imageCount: new Set(imageIds.map((i) => i.imageDigest)).size }
      })),
    }
  })

  route('GET', '/console/api/images/:name', async (request, principal) => {
    const repositoryName = request.params.name ?? ''
    const { repositories } = (await call(deps.ecr, 'DescribeRepositories', { repositoryNames: [repositoryName] }, principal)) as { repositories: Repository[] }
    const { imageDetails } = (await call(deps.ecr, 'DescribeImages', { repositoryName, maxResults: 1000 }, principal)) as { imageDetails: ImageDetail[] }
    const usedBy = await executionsByDigest(deps, repositoryName)
    const images = imageDetails
      .map((d) => ({ ...d, executions: usedBy.get(d.imageDigest ?? '') ?? [] }))
      .sort((a, b) => new Date(String(b.imagePushedAt)).getTime() - new Date(String(a.imagePushedAt)).getTime())
    return { repository: repositories[0], images }
  })
}

type ExecutionRef = { pipelineName: string; pipelineExecutionId: string; status: string; startTime: string }

/** The recent executions of pipelines whose ECR source watches `repository`, by the digest they used. */
async function executionsByDigest(deps: ConsoleImagesDeps, repository: string): Promise<Map<string, ExecutionRef[]>> {
  const out = new Map<string, ExecutionRef[]>()
  for (const p of await deps.store.pipelines.list()) {
    const sources = (p.normalized.stages[0]?.groups.flatMap((g) => g.actions) ?? [])
      .filter((a) => a.actionTypeId.category === 'Source' && a.actionTypeId.provider === 'ECR' && a.configuration.RepositoryName === repository)
    if (sources.length === 0) continue
    for (const e of await deps.store.pipelines.executions(p.name, EXECUTIONS_SEARCHED, 0)) {
      for (const r of e.sourceRevisions) {
        if (!sources.some((s) => s.name === r.actionName)) continue
        const list = out.get(r.revisionId) ?? []
        list.push({ pipelineName: p.name, pipelineExecutionId: e.id, status: e.status, startTime: new Date(e.startTime).toISOString() })
        out.set(r.revisionId, list)
      }
    }
  }
  return out
}
