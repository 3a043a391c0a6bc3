import type { FastifyInstance } from 'fastify'
import type { AwsJsonService } from '../protocol/aws-json/operation-table.ts'
import type { PipelineEngine } from '../pipeline/service/engine.ts'
import type { KeyCredential } from '../identity/key-service.ts'
import type { StoreSlice } from '../infra/store.ts'
import type { Clock } from '../infra/clock.ts'
import { AwsError } from '../shared/errors.ts'
import type { DeploymentService } from '../deploy/service/deployments.ts'
import type { DeploymentRecord } from '../deploy/service/deployment-state.ts'
import type { GitContext } from '../git/service/context.ts'
import type { ObjectStore } from '../artifacts/ports.ts'
import { deploymentInfo, targetView } from '../deploy/api/views.ts'
import { executionSummaryView } from '../pipeline/api/views.ts'
import type { PipelineExecutionStatus } from '../protocol/models/codepipeline.types.ts'
import { type ConsoleSessions, createLoginToken, redeemLoginToken, sameSecret } from './sessions.ts'
import { type HttpAuth, requireCaller } from '../protocol/http-auth.ts'
import { isBuildPrincipal } from '../identity/build-keys.ts'
import { type ConsoleRouter, readJson, sendConsoleError, str } from './console-route.ts'

import type { RunnerView } from '../build/service/runner-views.ts'

export type ConsoleApiDeps = {
  region: string
  store: StoreSlice<'audit' | 'consoleSessions' | 'deploy' | 'pipelines'>
  clock: Clock
  sessions: ConsoleSessions
  lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>
  /** How `POST /console/login-links` authenticates (access keys, never a session). */
  auth: HttpAuth
  pipelines: AwsJsonService
  builds: AwsJsonService
  /** Why a queued build waits (no present runner accepts it), for the build page. */
  whyQueued: (buildId: string) => Promise<string | undefined>
  /** The build runners present now, with the builds each runs. */
  runners: () => Promise<RunnerView[]>
  engine: PipelineEngine
  deployments: DeploymentService
  accountId: string
  git: GitContext
  codecommit: AwsJsonService
  ecr: AwsJsonService
  /** The artifact buckets' object store (for artifact downloads). */
  objects: ObjectStore
}

const PIPELINES_PAGE = 100
const EXECUTIONS_PAGE = 25
const EXECUTION_STATUSES: string[] = ['Cancelled', 'InProgress', 'Stopped', 'Stopping', 'Succeeded', 'Superseded', 'Failed'] satisfies PipelineExecutionStatus[]

function pageOffset(value: string | undefined): number {
  if (value === undefined || value === '') return 0
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new AwsError('ValidationException', 'offset must be a non-negative integer')
  return n
}

/** `/console/api/*`: the console's thin JSON API over the services' own handlers; session cookie required. */
export function registerConsoleApi(app: FastifyInstance, deps: ConsoleApiDeps, router: ConsoleRouter): void {
  const { route, call, audit } = router

  app.post('/console/api/session', async (request, reply) => {
    try {
      const body = await readJson(request)
      const key = await deps.lookup(str(body.accessKeyId))
      if (!key || !sameSecret(str(body.secretAccessKey), key.secretAccessKey)) {
        return reply.code(401).send({ error: 'InvalidCredentials', message: 'The access key id or secret is not valid' })
      }
      if (isBuildPrincipal(key.principal)) return reply.code(403).send({ error: 'AccessDenied', message: 'A build\'s key cannot open console sessions' })
      return reply.header('set-cookie', (await deps.sessions.open({ principal: key.principal, accessKeyId: key.accessKeyId })).cookie).send({ principal: key.principal })
    } catch (err) {
      return sendConsoleError(request, reply, err)
    }
  })
  app.delete('/console/api/session', async (request, reply) => reply.header('set-cookie', await deps.sessions.close(request)).send({}))
  route('GET', '/console/api/session', async (_request, principal) => ({ principal }))

  app.get<{ Querystring: { token?: string } }>('/console/login', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const grant = await redeemLoginToken(deps.store.consoleSessions, request.query.token ?? '')
    if (!grant || !(await deps.lookup(grant.accessKeyId))) return reply.redirect('/?login=expired#/signin')
    return reply.header('set-cookie', (await deps.sessions.open(grant)).cookie).redirect('/#/')
  })

  /** A one-time login link for the caller (SigV4 or Basic with an access key): what `slipway console` prints. */
  app.post('/console/login-links', async (request, reply) => {
    const caller = await requireCaller(request, reply, deps.auth)
    if (!caller) return reply
    if (isBuildPrincipal(caller.principal) || !caller.accessKeyId) return reply.code(403).send({ error: 'AccessDenied', message: 'A build\'s key cannot open console sessions' })
    return reply.header('cache-control', 'no-store').send({ path: `/console/login?token=${await createLoginToken(deps.store.consoleSessions, { principal: caller.principal, accessKeyId: caller.accessKeyId })}` })
  })

  /** Pipelines by name (`?q=` substring, `?offset=`, 100 a page), each with its newest execution: two queries, however many pipelines. */
  route('GET', '/console/api/pipelines', async (request, principal) => {
    const { pipelines } = (await call(deps.pipelines, 'ListPipelines', {}, principal)) as { pipelines: { name: string }[] }
    const q = str(request.query.q).toLowerCase()
    const matching = q ? pipelines.filter((p) => p.name.toLowerCase().includes(q)) : pipelines
    const offset = pageOffset(request.query.offset)
    const latest = await deps.store.pipelines.latestExecutions()
    const page = matching.slice(offset, offset + PIPELINES_PAGE).map((p) => {
      const e = latest.get(p.name)
      return { ...p, latestExecution: e ? executionSummaryView(e) : undefined }
    })
    return { pipelines: page, total: matching.length, offset, pageSize: PIPELINES_PAGE }
  })

  route('GET', '/console/api/pipelines/:name', async (request, principal) => {
    const name = request.params.name ?? ''
    const state = await call(deps.pipelines, 'GetPipelineState', { name }, principal)
    const view = deps.engine.engineView(await deps.engine.pipeline(name))
    const layout = view.stages.map((s) => ({
      name: s.name,
      groups: s.groups.map((g) => ({ runOrder: g.runOrder, actions: g.actions.map((a) => ({ name: a.name, category: a.category, provider: a.provider })) })),
    }))
    return { state, layout }
  })

  /** Execution history, newest first: `?status=` (an execution status) and `?offset=`, 25 a page, with the total. */
  route('GET', '/console/api/pipelines/:name/executions', async (request) => {
    const name = request.params.name ?? ''
    await deps.engine.pipeline(name)
    const status = str(request.query.status) || undefined
    if (status !== undefined && !EXECUTION_STATUSES.includes(status)) throw new AwsError('ValidationException', `status must be one of ${EXECUTION_STATUSES.join(', ')}`)
    const offset = pageOffset(request.query.offset)
    const [page, total] = await Promise.all([deps.store.pipelines.executions(name, EXECUTIONS_PAGE, offset, status), deps.store.pipelines.countExecutions(name, status)])
    return { pipelineExecutionSummaries: page.map(executionSummaryView), total, offset, pageSize: EXECUTIONS_PAGE }
  })

  /**
   * Release change, or run from a branch / commit: `{ revisionType: 'BRANCH'|'COMMIT_ID', revisionValue, actionName? }`.
   * A branch is resolved to its tip here, so the execution starts with an AWS `COMMIT_ID` source revision.
   */
  route('POST', '/console/api/pipelines/:name/executions', async (request, principal) => {
    const name = request.params.name ?? ''
    const body = await readJson(request)
    const input: Record<string, unknown> = { name }
    const value = str(body.revisionValue).trim()
    if (value) {
      const type = str(body.revisionType) || 'COMMIT_ID'
      if (type !== 'BRANCH' && type !== 'COMMIT_ID') throw new AwsError('ValidationException', 'revisionType must be BRANCH or COMMIT_ID')
      const view = deps.engine.engineView(await deps.engine.pipeline(name))
      const sources = view.stages[0]?.groups.flatMap((g) => g.actions) ?? []
      const source = sources.find((a) => a.name === str(body.actionName)) ?? sources.find((a) => a.provider === 'CodeCommit')
      if (!source || source.provider !== 'CodeCommit') throw new AwsError('ValidationException', `Pipeline ${name} has no CodeCommit source action to run from a branch or commit`)
      const revisionValue = type === 'BRANCH' ? await branchTip(source.configuration.RepositoryName ?? '', value, principal) : value
      input.sourceRevisions = [{ actionName: source.name, revisionType: 'COMMIT_ID', revisionValue }]
    }
    const out = await call(deps.pipelines, 'StartPipelineExecution', input, principal)
    await audit(principal, 'codepipeline:StartPipelineExecution', name)
    return out
  })
  const branchTip = async (repositoryName: string, branchName: string, principal: string) => {
    const { branch } = (await call(deps.codecommit, 'GetBranch', { repositoryName, branchName }, principal)) as { branch: { commitId: string } }
    return branch.commitId
  }

  /** A POST whose JSON body maps to one CodePipeline operation; answered as the operation answers, and audited. */
  type Command = { op: string; input: Record<string, unknown>; resource: string }
  const pipelineCommand = (url: string, toCommand: (body: Record<string, unknown>, pipelineName: string) => Command) =>
    route('POST', url, async (request, principal) => {
      const { op, input, resource } = toCommand(await readJson(request), request.params.name ?? '')
      const out = await call(deps.pipelines, op, input, principal)
      await audit(principal, `codepipeline:${op}`, resource)
      return out
    })

  pipelineCommand('/console/api/pipelines/:name/approvals', (body, pipelineName) => {
    const status = str(body.status)
    if (status !== 'Approved' && status !== 'Rejected') throw new AwsError('ValidationException', 'status must be Approved or Rejected')
    const input = { pipelineName, stageName: str(body.stageName), actionName: str(body.actionName), token: str(body.token), result: { status, summary: str(body.summary) || `${status} in the console` } }
    return { op: 'PutApprovalResult', input, resource: `${pipelineName}/${input.stageName}/${input.actionName}` }
  })

  /** Retry a failed stage's failed actions for the execution that failed there. */
  pipelineCommand('/console/api/pipelines/:name/retries', (body, pipelineName) => ({
    op: 'RetryStageExecution',
    input: { pipelineName, stageName: str(body.stageName), pipelineExecutionId: str(body.pipelineExecutionId), retryMode: 'FAILED_ACTIONS' },
    resource: `${pipelineName}/${str(body.stageName)}`,
  }))

  /** Stop an execution: `{ pipelineExecutionId, abandon }` (stop and wait, or stop and abandon). */
  pipelineCommand('/console/api/pipelines/:name/stops', (body, pipelineName) => ({
    op: 'StopPipelineExecution',
    input: { pipelineName, pipelineExecutionId: str(body.pipelineExecutionId), abandon: body.abandon === true, reason: 'Stopped in the console' },
    resource: `${pipelineName}/${str(body.pipelineExecutionId)}`,
  }))

  /** Enable or disable the transition into a stage: `{ stageName, enabled }`. */
  pipelineCommand('/console/api/pipelines/:name/transitions', (body, pipelineName) => {
    if (typeof body.enabled !== 'boolean') throw new AwsError('ValidationException', 'enabled must be true or false')
    return {
      op: body.enabled ? 'EnableStageTransition' : 'DisableStageTransition',
      input: { pipelineName, stageName: str(body.stageName), transitionType: 'Inbound', reason: 'Disabled in the console' },
      resource: `${pipelineName}/${str(body.stageName)}`,
    }
  })

  /** Recent deployments (newest first), as `GetDeployment` describes them. */
  route('GET', '/console/api/deployments', async () => {
    const list = await deps.store.deploy.deployments<DeploymentRecord>({})
    return { deployments: list.slice(0, 100).map(deploymentInfo), total: list.length }
  })

  /** One deployment with its targets (hosts), their lifecycle events and diagnostics. */
  route('GET', '/console/api/deployments/:id', async (request) => {
    const x = await deps.deployments.get(request.params.id ?? '')
    return { deploymentInfo: deploymentInfo(x), targets: x.engine.targets.map((t) => targetView(x, t, deps.region, deps.accountId).instanceTarget) }
  })
}
