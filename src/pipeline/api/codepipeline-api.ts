import type { AwsJsonService } from '../../protocol/aws-json/operation-table.ts'
import type { Operations } from '../../protocol/models/codepipeline.types.ts'
import { AwsError } from '../../shared/errors.ts'
import { paginate } from '../../shared/paging.ts'
import type { PipelineContext } from '../service/context.ts'
import { pipelineArn } from '../service/context.ts'
import type { PipelineEngine } from '../service/engine.ts'
import type { JobWorkerApi } from '../service/job-workers.ts'
import * as defs from '../service/definitions.ts'
import { putWebhook, requireWebhook, webhookView } from '../service/webhooks.ts'
import { declarationView, actionExecutionViews, executionSummaryView, executionView, pipelineStateView } from './views.ts'

const badToken = () => new AwsError('InvalidNextTokenException', 'The next token is not valid')

/** Pipeline ARNs name the pipeline as their last segment. */
function pipelineNameOfArn(arn: string): string {
  const m = /^arn:aws[\w-]*:codepipeline:[^:]*:\d*:([^/]+)$/.exec(arn)
  if (!m?.[1]) throw new AwsError('InvalidArnException', `The ARN ${arn} is not a pipeline ARN`)
  return m[1]
}

const MAX_TAGS = 50

/** Tag keys may not use AWS's reserved prefix. */
function checkTagKeys(keys: string[]): void {
  const reserved = keys.find((k) => k.toLowerCase().startsWith('aws:'))
  if (reserved !== undefined) throw new AwsError('InvalidTagsException', `Tag key ${reserved} is invalid: the prefix aws: is reserved for AWS use`)
}

export function codePipelineApi(ctx: PipelineContext, engine: PipelineEngine, jobs: JobWorkerApi): AwsJsonService<Operations> {
  /** The pipeline a tag operation names, or ResourceNotFoundException as the tag operations declare it. */
  const taggedPipeline = async (arn: string) => {
    const p = await ctx.store.pipelines.get(pipelineNameOfArn(arn))
    if (!p) throw new AwsError('ResourceNotFoundException', `The resource with ARN ${arn} was not found`)
    return p
  }
  /** The webhook a tag operation names by its ARN (`…:webhook:<name>`); undefined for other ARNs. */
  const taggedWebhook = async (arn: string) => {
    const m = /^arn:aws[\w-]*:codepipeline:[^:]*:\d*:webhook:(.+)$/.exec(arn)
    if (!m?.[1]) return undefined
    const w = await ctx.store.pipelines.webhook(m[1])
    if (!w) throw new AwsError('ResourceNotFoundException', `The resource with ARN ${arn} was not found`)
    return w
  }
  const recent = async (name: string) => {
    const active = await ctx.store.pipelines.activeExecutions(name)
    const latest = await ctx.store.pipelines.executions(name, 50, 0)
    return [...active, ...latest.filter((e) => !active.some((a) => a.id === e.id))]
  }
  return {
    model: 'codepipeline',
    handlers: {
      CreatePipeline: async (i) => {
        checkTagKeys((i.tags ?? []).map((t) => t.key))
        if ((i.tags ?? []).length > MAX_TAGS) throw new AwsError('TooManyTagsException', `A pipeline can have at most ${MAX_TAGS} tags`)
        const p = await defs.createPipeline(ctx, engine, i.pipeline, i.tags)
        return { pipeline: declarationView(p.declaration, p.version), tags: p.tags }
      },
      GetPipeline: async (i) => {
        const p = await engine.pipeline(i.name)
        const declaration = i.version === undefined || i.version === p.version ? p.declaration : await ctx.store.pipelines.version(p.name, i.version)
        if (!declaration) throw new AwsError('PipelineVersionNotFoundException', `Pipeline ${i.name} has no version ${i.version}`)
        return { pipeline: declarationView(declaration, i.version ?? p.version), metadata: { pipelineArn: pipelineArn(ctx, p.name), created: p.createdAt, updated: p.updatedAt } }
      },
      UpdatePipeline: async (i) => {
        if (!(await ctx.store.pipelines.get(i.pipeline.name))) throw new AwsError('ResourceNotFoundException', `The pipeline ${i.pipeline.name} was not found; create it with CreatePipeline`)
        const p = await defs.updatePipeline(ctx, engine, i.pipeline)
        return { pipeline: declarationView(p.declaration, p.version) }
      },
      DeletePipeline: async (i) => {
        await defs.deletePipeline(ctx, engine, i.name)
        return {}
      },
      ListPipelines: async (i) => {
        const all = (await ctx.store.pipelines.list()).map((p) => ({
          name: p.name, version: p.version, pipelineType: p.normalized.pipelineType, executionMode: p.normalized.executionMode, created: p.createdAt, updated: p.updatedAt,
        }))
        const { page, nextToken } = paginate(all, i.nextToken, i.maxResults ?? 1000, badToken)
        return { pipelines: page, nextToken }
      },

      StartPipelineExecution: async (i) => {
        const p = await engine.pipeline(i.name)
        const declared = new Map(p.normalized.variables.map((v) => [v.name, v.defaultValue]))
        for (const v of i.variables ?? []) {
          if (!declared.has(v.name)) throw new AwsError('InvalidStructureException', `Variable ${v.name} is not declared by pipeline ${i.name}`)
        }
        const variables = Object.fromEntries([...declared].map(([k, v]) => [k, i.variables?.find((x) => x.name === k)?.value ?? v ?? '']))
        for (const [k, v] of Object.entries(variables)) if (v === '') throw new AwsError('ValidationException', `Variable ${k} has no default value; pass it in variables`)
        const sourceNames = new Set(p.normalized.stages[0]?.groups.flatMap((g) => g.actions.map((a) => a.name)))
        for (const r of i.sourceRevisions ?? []) if (!sourceNames.has(r.actionName)) throw new AwsError('ActionNotFoundException', `Source action ${r.actionName} does not exist in pipeline ${i.name}`)
        const e = await engine.start(i.name, {
          trigger: { triggerType: 'StartPipelineExecution', triggerDetail: `arn:aws:iam::${ctx.accountId}:root` },
          variables,
          sourceOverrides: i.sourceRevisions,
          clientRequestToken: i.clientRequestToken,
        })
        return { pipelineExecutionId: e.id }
      },
      StopPipelineExecution: async (i) => {
        await engine.stop(i.pipelineName, i.pipelineExecutionId, i.abandon ?? false, i.reason)
        return { pipelineExecutionId: i.pipelineExecutionId }
      },
      RetryStageExecution: async (i) => {
        await engine.retry(i.pipelineName, i.pipelineExecutionId, i.stageName, i.retryMode)
        return { pipelineExecutionId: i.pipelineExecutionId }
      },
      RollbackStage: async (i) => ({
        pipelineExecutionId: (await engine.rollback(i.pipelineName, i.stageName, i.targetPipelineExecutionId, { triggerType: 'ManualRollback', triggerDetail: `arn:aws:iam::${ctx.accountId}:root` })).id,
      }),
      PutApprovalResult: async (i) => {
        const e = (await ctx.store.pipelines.activeExecutions(i.pipelineName)).find((x) => x.stages[i.stageName]?.actions[i.actionName]?.token === i.token)
        if (!e) {
          await engine.pipeline(i.pipelineName)
          throw new AwsError('InvalidApprovalTokenException', `The approval token ${i.token} is not valid for ${i.stageName}/${i.actionName}`)
        }
        await engine.approve(i.pipelineName, e.id, i.stageName, i.actionName, i.token, i.result.status, i.result.summary)
        return { approvedAt: ctx.clock.now() }
      },
      EnableStageTransition: async (i) => {
        await defs.setTransition(ctx, engine, i.pipelineName, i.stageName, true)
        return {}
      },
      DisableStageTransition: async (i) => {
        await defs.setTransition(ctx, engine, i.pipelineName, i.stageName, false, i.reason)
        return {}
      },

      GetPipelineState: async (i) => {
        const p = await engine.pipeline(i.name)
        return pipelineStateView(p, engine.engineView(p), await recent(i.name))
      },
      GetPipelineExecution: async (i) => {
        await engine.pipeline(i.pipelineName)
        const e = await ctx.store.pipelines.execution(i.pipelineExecutionId)
        if (!e || e.pipelineName !== i.pipelineName) throw new AwsError('PipelineExecutionNotFoundException', `Pipeline execution ${i.pipelineExecutionId} does not exist in pipeline ${i.pipelineName}`)
        return { pipelineExecution: executionView(e) }
      },
      ListPipelineExecutions: async (i) => {
        await engine.pipeline(i.pipelineName)
        const size = i.maxResults ?? 100
        const offset = i.nextToken ? Number(Buffer.from(i.nextToken, 'base64url').toString()) : 0
        if (!Number.isInteger(offset) || offset < 0) throw badToken()
        const page = await ctx.store.pipelines.executions(i.pipelineName, size + 1, offset)
        return {
          pipelineExecutionSummaries: page.slice(0, size).map(executionSummaryView),
          nextToken: page.length > size ? Buffer.from(String(offset + size)).toString('base64url') : undefined,
        }
      },
      ListActionExecutions: async (i) => {
        const p = await engine.pipeline(i.pipelineName)
        const id = i.filter?.pipelineExecutionId
        const executions = id ? [await ctx.store.pipelines.execution(id)].filter((e) => e !== undefined) : await ctx.store.pipelines.executions(i.pipelineName, 100, 0)
        if (id && executions.length === 0) throw new AwsError('PipelineExecutionNotFoundException', `Pipeline execution ${id} does not exist in pipeline ${i.pipelineName}`)
        const { page, nextToken } = paginate(actionExecutionViews(engine.engineView(p), executions), i.nextToken, i.maxResults ?? 100, badToken)
        return { actionExecutionDetails: page, nextToken }
      },

      TagResource: async (i) => {
        checkTagKeys(i.tags.map((t) => t.key))
        const merge = (tags: { key: string; value: string }[]) => {
          const merged = [...tags.filter((t) => !i.tags.some((n) => n.key === t.key)), ...i.tags]
          if (merged.length > MAX_TAGS) throw new AwsError('TooManyTagsException', `A resource can have at most ${MAX_TAGS} tags; this would give it ${merged.length}`)
          return merged
        }
        const hook = await taggedWebhook(i.resourceArn)
        if (hook) {
          await ctx.store.pipelines.putWebhook({ ...hook, tags: merge(hook.tags) })
          return {}
        }
        const p = await taggedPipeline(i.resourceArn)
        await ctx.store.pipelines.update({ ...p, tags: merge(p.tags) })
        return {}
      },
      UntagResource: async (i) => {
        checkTagKeys(i.tagKeys)
        const hook = await taggedWebhook(i.resourceArn)
        if (hook) {
          await ctx.store.pipelines.putWebhook({ ...hook, tags: hook.tags.filter((t) => !i.tagKeys.includes(t.key)) })
          return {}
        }
        const p = await taggedPipeline(i.resourceArn)
        await ctx.store.pipelines.update({ ...p, tags: p.tags.filter((t) => !i.tagKeys.includes(t.key)) })
        return {}
      },
      ListTagsForResource: async (i) => ({ tags: ((await taggedWebhook(i.resourceArn)) ?? (await taggedPipeline(i.resourceArn))).tags }),

      PutWebhook: async (i) => ({ webhook: webhookView(ctx, await putWebhook(ctx, i.webhook, i.tags)) }),
      ListWebhooks: async (i) => {
        const { page, nextToken } = paginate(await ctx.store.pipelines.webhooks(), i.NextToken, i.MaxResults ?? 100, badToken)
        return { webhooks: page.map((w) => webhookView(ctx, w)), ...(nextToken ? { NextToken: nextToken } : {}) }
      },
      DeleteWebhook: async (i) => {
        await ctx.store.pipelines.deleteWebhook(i.name)
        return {}
      },
      // There is no third party to tell: the URL is Slipway's own, live from PutWebhook on.
      RegisterWebhookWithThirdParty: async (i) => {
        await requireWebhook(ctx, i.webhookName)
        return {}
      },
      DeregisterWebhookWithThirdParty: async (i) => {
        await requireWebhook(ctx, i.webhookName)
        return {}
      },

      CreateCustomActionType: async (i) => ({ actionType: await defs.createCustomActionType(ctx, i), tags: i.tags }),
      DeleteCustomActionType: async (i) => {
        await ctx.store.pipelines.deleteCustomActionType(i.category, i.provider, i.version)
        return {}
      },
      ListActionTypes: async (i) => {
        const custom = (await ctx.store.pipelines.customActionTypes()).map(defs.actionTypeView)
        return { actionTypes: i.actionOwnerFilter && i.actionOwnerFilter !== 'Custom' ? [] : custom }
      },
      PollForJobs: async (i) => ({ jobs: await jobs.poll(i.actionTypeId, i.maxBatchSize ?? 1) }),
      AcknowledgeJob: async (i) => ({ status: (await jobs.acknowledge(i.jobId, i.nonce)) as never }),
      GetJobDetails: async (i) => ({ jobDetails: await jobs.details(i.jobId) }),
      PutJobSuccessResult: async (i) => {
        await jobs.success(i)
        return {}
      },
      PutJobFailureResult: async (i) => {
        await jobs.failure(i)
        return {}
      },
    },
  }
}
