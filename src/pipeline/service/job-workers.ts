import type { PipelineTx } from './context.ts'
import { randomUUID } from 'node:crypto'
import type { Job, JobData, PutJobFailureResultInput, PutJobSuccessResultInput } from '../../protocol/models/codepipeline.types.ts'
import { AwsError } from '../../shared/errors.ts'
import type { PipelineJobRecord } from '../records.ts'
import type { ActionProvider } from '../providers/provider.ts'
import type { PipelineContext } from './context.ts'
import { pipelineArn } from './context.ts'
import type { PipelineEngine } from './engine.ts'

/** Custom actions' work, in one queue per action type. */
export const CUSTOM_ACTION = 'custom-action'
const WORKER = 'job-worker'
/** AWS gives a job worker hours; Slipway does not time out a dispatched custom action job. */
const WORKER_LEASE_MS = 24 * 3600_000

const jobId = (id: string) => `${CUSTOM_ACTION}:${id}`
const queueOf = (t: { category: string; owner: string; provider: string; version: string }) => `${t.category}/${t.owner}/${t.provider}/${t.version}`

/**
 * Custom actions through CodePipeline's own job-worker API: dispatching a Custom action queues a job
 * (a record and a `custom-action` job in its type's queue, in one transaction); an external worker
 * polls (PollForJobs claims jobs: two workers, on any servers, never get the same one), acknowledges
 * with the nonce, works, and reports with PutJobSuccessResult (a continuation token re-queues the job
 * for another round) or PutJobFailureResult, which completes the action.
 */
export function customActionProvider(ctx: PipelineContext): ActionProvider {
  return {
    matches: (a) => a.owner === 'Custom',
    async run(job) {
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
      const record: PipelineJobRecord = {
        id: job.run.actionExecutionId,
        category: job.action.category, owner: 'Custom', provider: job.action.provider, version: job.action.version,
        status: 'Queued', nonce: randomUUID(), pipelineName: job.pipeline.name, executionId: job.execution.id,
        stageName: job.stageName, actionName: job.action.name, actionExecutionId: job.run.actionExecutionId,
        data: data as Record<string, unknown>, createdAt: now, updatedAt: now,
      }
      await ctx.store.transaction(async (tx) => {
        if (await tx.pipelines.job(record.id)) return
        await tx.pipelines.insertJob(record)
        await tx.jobs.enqueue({ id: jobId(record.id), kind: CUSTOM_ACTION, queue: queueOf(record), subjectId: record.id, at: now })
      }, { lock: jobId(record.id) })
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
    const claimed: PipelineJobRecord[] = []
    while (claimed.length < max) {
      const record = await this.#ctx.store.transaction(async (tx) => {
        const now = this.#ctx.clock.now()
        const job = await tx.jobs.claim(CUSTOM_ACTION, WORKER, now, new Date(now.getTime() + WORKER_LEASE_MS), queueOf(type))
        const r = job && (await tx.pipelines.job(job.subjectId))
        if (!r) return undefined
        const dispatched = { ...r, status: 'Dispatched' as const, updatedAt: now }
        await tx.pipelines.saveJob(dispatched)
        return dispatched
      })
      if (!record) break
      claimed.push(record)
    }
    return claimed.map((j) => ({ id: j.id, data: this.#data(j), nonce: j.nonce, accountId: this.#ctx.accountId }))
  }

  async acknowledge(id: string, nonce: string): Promise<string> {
    return this.#change(id, async (job, tx, now) => {
      if (job.nonce !== nonce) throw new AwsError('InvalidNonceException', `The nonce ${nonce} is not valid for job ${id}`)
      if (job.status !== 'Queued' && job.status !== 'Dispatched') return job.status
      await tx.pipelines.saveJob({ ...job, status: 'InProgress', updatedAt: now })
      await tx.jobs.renew(jobId(id), WORKER, new Date(now.getTime() + WORKER_LEASE_MS), now, 'acknowledged')
      return 'InProgress'
    })
  }

  async details(id: string) {
    const job = await this.#job(id)
    return { id: job.id, data: this.#data(job), accountId: this.#ctx.accountId }
  }

  /**
   * A worker's result. The action is completed first and the job's record after it: a crash between
   * the two leaves the record running, so the worker's retry completes it (the action's completion is
   * idempotent) — never an action waiting forever on a job already reported.
   */
  async success(input: PutJobSuccessResultInput): Promise<void> {
    const job = await this.#job(input.jobId)
    running(job)
    if (input.continuationToken) {
      await this.#change(job.id, async (current, tx, now) => {
        running(current)
        await tx.pipelines.saveJob({ ...current, status: 'Queued', nonce: randomUUID(), continuationToken: input.continuationToken, updatedAt: now })
        await tx.jobs.requeue(jobId(current.id), now)
      })
      await this.#engine.noteExternal(job.pipelineName, job.executionId, job.stageName, job.actionName, job.actionExecutionId, { externalExecutionId: input.executionDetails?.externalExecutionId, summary: input.executionDetails?.summary })
      return
    }
    await this.#engine.completeAction(job.pipelineName, job.executionId, job.stageName, job.actionName, job.actionExecutionId, {
      status: 'Succeeded',
      summary: input.executionDetails?.summary,
      externalExecutionId: input.executionDetails?.externalExecutionId,
      outputVariables: input.outputVariables,
      sourceRevision: input.currentRevision ? { revisionId: input.currentRevision.revision, revisionSummary: input.currentRevision.revisionSummary } : undefined,
    })
    await this.#settle(job.id, 'Succeeded')
  }

  async failure(input: PutJobFailureResultInput): Promise<void> {
    const job = await this.#job(input.jobId)
    running(job)
    await this.#engine.completeAction(job.pipelineName, job.executionId, job.stageName, job.actionName, job.actionExecutionId, {
      status: 'Failed',
      summary: input.failureDetails.message,
      externalExecutionId: input.failureDetails.externalExecutionId,
      errorDetails: { code: input.failureDetails.type, message: input.failureDetails.message },
    })
    await this.#settle(job.id, 'Failed')
  }

  /** Ends a job's record and work, once (a second result for it is InvalidJobStateException). */
  #settle(id: string, status: 'Succeeded' | 'Failed'): Promise<void> {
    return this.#change(id, async (job, tx, now) => {
      running(job)
      await tx.pipelines.saveJob({ ...job, status, updatedAt: now })
      await tx.jobs.complete(jobId(job.id), undefined, status === 'Succeeded' ? 'done' : 'failed', now)
    })
  }

  #data(j: PipelineJobRecord): JobData {
    return { ...(j.data as JobData), continuationToken: j.continuationToken }
  }

  async #job(id: string, store: Pick<PipelineTx, 'pipelines'> = this.#ctx.store): Promise<PipelineJobRecord> {
    const job = await store.pipelines.job(id)
    if (!job) throw new AwsError('JobNotFoundException', `The job ${id} was not found`)
    return job
  }

  /** A read-modify-write of one job, under its lock (in every process). */
  #change<T>(id: string, fn: (job: PipelineJobRecord, tx: PipelineTx, now: Date) => Promise<T>): Promise<T> {
    return this.#ctx.store.transaction(async (tx) => fn(await this.#job(id, tx), tx, this.#ctx.clock.now()), { lock: jobId(id) })
  }
}

function running(job: PipelineJobRecord): void {
  if (job.status !== 'InProgress' && job.status !== 'Dispatched') throw new AwsError('InvalidJobStateException', `The job ${job.id} is ${job.status}; acknowledge it first, and report its result once`)
}
