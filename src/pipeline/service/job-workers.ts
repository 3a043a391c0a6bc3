import { randomUUID } from 'node:crypto'
import type { Job, JobData, PutJobFailureResultInput, PutJobSuccessResultInput } from '../../protocol/models/codepipeline.types.ts'
import { AwsError } from '../../shared/errors.ts'
import type { PipelineJobRecord } from '../records.ts'
import type { ActionProvider } from '../providers/provider.ts'
import type { PipelineContext } from './context.ts'
import { pipelineArn } from './context.ts'
import type { PipelineEngine } from './engine.ts'

/**
 * Custom actions through CodePipeline's own job-worker API: dispatching a Custom action queues a job;
 * an external worker polls (PollForJobs), acknowledges with the nonce, works, and reports with
 * PutJobSuccessResult (a continuation token re-queues the job for another round) or
 * PutJobFailureResult, which completes the action.
 */
export function customActionProvider(ctx: PipelineContext): ActionProvider {
  return {
    matches: (a) => a.owner === 'Custom',
    async run(job) {
      const existing = await ctx.store.pipelines.job(job.run.actionExecutionId)
      if (existing) return undefined
      const now = ctx.clock.now()
      const loc = (x: { name: string; bucket: string; key: string }) => ({ name: x.name, location: { type: 'S3', s3Location: { bucketName: x.bucket, objectKey: x.key } } })
      const data: JobData = {
        actionTypeId: { category: job.action.category as never, owner: 'Custom', provider: job.action.provider, version: job.action.version },
        actionConfiguration: { configuration: job.run.resolvedConfiguration },
        pipelineContext: {
          pipelineName: job.pipeline.name,
          stage: { name: job.stageName },
          action: { name: job.action.name, actionExecutionId: job.run.actionExecutionId },
          pipelineArn: pipelineArn(ctx, job.pipeline.name),
          pipelineExecutionId: job.execution.id,
        },
        inputArtifacts: job.run.inputArtifacts.map(loc) as JobData['inputArtifacts'],
        outputArtifacts: job.run.outputArtifacts.map(loc) as JobData['outputArtifacts'],
      }
      await ctx.store.pipelines.insertJob({
        id: job.run.actionExecutionId,
        category: job.action.category, owner: 'Custom', provider: job.action.provider, version: job.action.version,
        status: 'Queued', nonce: randomUUID(), pipelineName: job.pipeline.name, executionId: job.execution.id,
        stageName: job.stageName, actionName: job.action.name, actionExecutionId: job.run.actionExecutionId,
        data: data as Record<string, unknown>, createdAt: now, updatedAt: now,
      })
      return undefined
    },
  }
}

export class JobWorkerApi {
  readonly #ctx: PipelineContext
  readonly #engine: PipelineEngine

  constructor(ctx: PipelineContext, engine: PipelineEngine) {
    this.#ctx = ctx
    this.#engine = engine
  }

  async poll(type: { category: string; owner: string; provider: string; version: string }, max: number): Promise<Job[]> {
    const jobs = await this.#ctx.store.pipelines.queuedJobs(type, max)
    const now = this.#ctx.clock.now()
    for (const j of jobs) await this.#ctx.store.pipelines.saveJob({ ...j, status: 'Dispatched', updatedAt: now })
    return jobs.map((j) => ({ id: j.id, data: this.#data(j), nonce: j.nonce, accountId: this.#ctx.accountId }))
  }

  async acknowledge(jobId: string, nonce: string): Promise<string> {
    const job = await this.#job(jobId)
    if (job.nonce !== nonce) throw new AwsError('InvalidNonceException', `The nonce ${nonce} is not valid for job ${jobId}`)
    if (job.status === 'Queued' || job.status === 'Dispatched') await this.#ctx.store.pipelines.saveJob({ ...job, status: 'InProgress', updatedAt: this.#ctx.clock.now() })
    return (await this.#job(jobId)).status
  }

  async details(jobId: string) {
    const job = await this.#job(jobId)
    return { id: job.id, data: this.#data(job), accountId: this.#ctx.accountId }
  }

  async success(input: PutJobSuccessResultInput): Promise<void> {
    const job = await this.#running(input.jobId)
    const now = this.#ctx.clock.now()
    if (input.continuationToken) {
      await this.#ctx.store.pipelines.saveJob({ ...job, status: 'Queued', nonce: randomUUID(), continuationToken: input.continuationToken, updatedAt: now })
      await this.#engine.noteExternal(job.pipelineName, job.executionId, job.stageName, job.actionName, job.actionExecutionId, { externalExecutionId: input.executionDetails?.externalExecutionId, summary: input.executionDetails?.summary })
      return
    }
    await this.#ctx.store.pipelines.saveJob({ ...job, status: 'Succeeded', updatedAt: now })
    await this.#engine.completeAction(job.pipelineName, job.executionId, job.stageName, job.actionName, job.actionExecutionId, {
      status: 'Succeeded',
      summary: input.executionDetails?.summary,
      externalExecutionId: input.executionDetails?.externalExecutionId,
      outputVariables: input.outputVariables,
      sourceRevision: input.currentRevision ? { revisionId: input.currentRevision.revision, revisionSummary: input.currentRevision.revisionSummary } : undefined,
    })
  }

  async failure(input: PutJobFailureResultInput): Promise<void> {
    const job = await this.#running(input.jobId)
    await this.#ctx.store.pipelines.saveJob({ ...job, status: 'Failed', updatedAt: this.#ctx.clock.now() })
    await this.#engine.completeAction(job.pipelineName, job.executionId, job.stageName, job.actionName, job.actionExecutionId, {
      status: 'Failed',
      summary: input.failureDetails.message,
      externalExecutionId: input.failureDetails.externalExecutionId,
      errorDetails: { code: input.failureDetails.type, message: input.failureDetails.message },
    })
  }

  #data(j: PipelineJobRecord): JobData {
    return { ...(j.data as JobData), continuationToken: j.continuationToken }
  }

  async #job(jobId: string): Promise<PipelineJobRecord> {
    const job = await this.#ctx.store.pipelines.job(jobId)
    if (!job) throw new AwsError('JobNotFoundException', `The job ${jobId} was not found`)
    return job
  }

  async #running(jobId: string): Promise<PipelineJobRecord> {
    const job = await this.#job(jobId)
    if (job.status !== 'InProgress' && job.status !== 'Dispatched') throw new AwsError('InvalidJobStateException', `The job ${jobId} is ${job.status}; acknowledge it first, and report its result once`)
    return job
  }
}
