import type { ActionExecutionDetail } from '../protocol/models/codepipeline.types.ts'
import { AwsError } from '../shared/errors.ts'
import { executionSummaryView } from '../pipeline/api/views.ts'
import type { ConsoleApiDeps } from './console-api.ts'
import { ConsoleDownload, type ConsoleRouter, readJson } from './console-route.ts'

const DEFINITION_LIMIT = 1024 * 1024

/** `/console/api/pipelines/:name/definition` (editor) and `/console/api/pipelines/:name/executions/:id` (execution detail). */
export function registerPipelineDetailRoutes(router: ConsoleRouter, deps: ConsoleApiDeps): void {
  const { route, call, audit } = router

  /** The declaration as GetPipeline returns it, with its metadata (ARN, created, updated). */
  route('GET', '/console/api/pipelines/:name/definition', async (request, principal) => call(deps.pipelines, 'GetPipeline', { name: request.params.name ?? '' }, principal))

  /**
   * Saves `{ pipeline, expectedVersion? }` with UpdatePipeline. The declaration must keep the pipeline's
   * name (UpdatePipeline would otherwise update another pipeline); with `expectedVersion`, a pipeline
   * changed since the editor loaded it is refused with 409 instead of being overwritten.
   */
  route('PUT', '/console/api/pipelines/:name/definition', async (request, principal) => {
    const name = request.params.name ?? ''
    const body = await readJson(request, DEFINITION_LIMIT)
    const pipeline = body.pipeline
    if (!pipeline || typeof pipeline !== 'object' || Array.isArray(pipeline)) throw new AwsError('ValidationException', 'pipeline must be a JSON object (the declaration GetPipeline returns)')
    const declared = (pipeline as { name?: unknown }).name
    if (declared !== name) {
      throw new AwsError('ValidationException', `The pipeline's name cannot be changed here: the declaration names ${JSON.stringify(declared ?? null)} but this is pipeline ${JSON.stringify(name)}`)
    }
    if (body.expectedVersion !== undefined) {
      const current = (await call(deps.pipelines, 'GetPipeline', { name }, principal)) as { pipeline: { version?: number } }
      if (current.pipeline.version !== body.expectedVersion) {
        throw new AwsError('ConflictException', `Pipeline ${name} was changed to version ${current.pipeline.version} after you loaded version ${String(body.expectedVersion)}; reload it and apply your change again`, 409)
      }
    }
    const out = await call(deps.pipelines, 'UpdatePipeline', { pipeline }, principal)
    await audit(principal, 'codepipeline:UpdatePipeline', name)
    return out
  })

  /** One execution: its GetPipelineExecution view, start/update times, and every action run (in stage order). */
  route('GET', '/console/api/pipelines/:name/executions/:id', async (request, principal) => {
    const name = request.params.name ?? ''
    const id = request.params.id ?? ''
    const { pipelineExecution } = (await call(deps.pipelines, 'GetPipelineExecution', { pipelineName: name, pipelineExecutionId: id }, principal)) as { pipelineExecution: unknown }
    const state = await deps.store.pipelines.execution(id)
    const actions = await actionDetails(router, deps, name, id, principal)
    const stageOrder = deps.engine.engineView(await deps.engine.pipeline(name)).stages.map((s) => s.name)
    const index = (a: ActionExecutionDetail) => (stageOrder.includes(a.stageName ?? '') ? stageOrder.indexOf(a.stageName ?? '') : stageOrder.length)
    actions.sort((x, y) => index(x) - index(y) || time(x.startTime) - time(y.startTime))
    return { execution: pipelineExecution, summary: state ? executionSummaryView(state) : undefined, actions }
  })

  /** Streams an artifact (zip) of the execution by artifact name, from the artifact store; nothing else is reachable. */
  route('GET', '/console/api/pipelines/:name/executions/:id/artifacts/:artifact', async (request, principal) => {
    const { name = '', id = '', artifact = '' } = request.params
    const actions = await actionDetails(router, deps, name, id, principal)
    const all = actions.flatMap((a) => [...(a.output?.outputArtifacts ?? []), ...(a.input?.inputArtifacts ?? [])])
    const location = all.find((x) => x.name === artifact)?.s3location
    if (!location?.bucket || !location.key) throw new AwsError('ArtifactNotFoundException', `Execution ${id} has no artifact ${artifact}`, 404)
    const { body } = await deps.objects.getObject(location.bucket, location.key)
    return new ConsoleDownload(body, `${artifact}.zip`, 'application/zip')
  })
}

const time = (t: unknown) => (t instanceof Date ? t.getTime() : typeof t === 'number' ? t : 0)

async function actionDetails(router: ConsoleRouter, deps: ConsoleApiDeps, pipelineName: string, pipelineExecutionId: string, principal: string): Promise<ActionExecutionDetail[]> {
  const out: ActionExecutionDetail[] = []
  let nextToken: string | undefined
  do {
    const page = (await router.call(deps.pipelines, 'ListActionExecutions', { pipelineName, filter: { pipelineExecutionId }, nextToken }, principal)) as { actionExecutionDetails: ActionExecutionDetail[]; nextToken?: string }
    out.push(...page.actionExecutionDetails)
    nextToken = page.nextToken
  } while (nextToken)
  return out
}
