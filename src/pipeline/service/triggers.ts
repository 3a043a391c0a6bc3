import type { EventBus } from '../../events/bus.ts'
import { OBJECT_CREATED, type ObjectCreatedDetail } from '../../artifacts/object-events.ts'
import type { GitContext } from '../../git/service/context.ts'
import { REFERENCE_UPDATED, type ReferenceUpdatedDetail } from '../../git/service/ref-updates.ts'
import { triggerFor } from '../model/structure/branch-filter.ts'
import type { PipelineContext } from './context.ts'
import type { PipelineEngine } from './engine.ts'
import { IMAGE_ACTION } from '../../registry/service/images.ts'
import { DEFAULT_IMAGE_TAG } from '../providers/ecr-source.ts'

/**
 * Event-driven starts, no polling: a ref update in a Slipway repository starts every pipeline whose
 * CodeCommit source watches that branch (or whose V2 trigger filters select the pushed branch or tag —
 * that execution then builds the pushed ref); an object put to a watched S3 key starts its pipeline;
 * an image pushed under the tag an ECR source watches starts its pipeline on that digest.
 * One durable consumer of the outbox (any server runs it), right after the push's transaction commits.
 */
export function registerTriggers(ctx: PipelineContext, engine: PipelineEngine, deps: { bus: EventBus; git: GitContext; onError: (err: unknown) => void }): void {
  deps.bus.subscribe('pipeline-triggers', [REFERENCE_UPDATED, OBJECT_CREATED, IMAGE_ACTION], async (event) => {
    // The event's sequence number is each start's client token: an event delivered twice starts nothing twice.
    const token = `event-${event.seq}`
    if (event.type === REFERENCE_UPDATED) await onPush(ctx, engine, deps, event.detail as unknown as ReferenceUpdatedDetail, event.resource, token)
    if (event.type === OBJECT_CREATED) await onUpload(ctx, engine, deps, event.detail as unknown as ObjectCreatedDetail, token)
    if (event.type === IMAGE_ACTION) await onImagePush(ctx, engine, deps, event.detail, event.resource, token)
  })
}

async function onPush(ctx: PipelineContext, engine: PipelineEngine, deps: { git: GitContext; onError: (err: unknown) => void }, d: ReferenceUpdatedDetail, resource: string, token: string): Promise<void> {
  if (!d.newCommitId) return
  let changedFiles: string[] | undefined
  for (const p of await ctx.store.pipelines.list()) {
    if (p.normalized.triggers.some((t) => t.push.some((f) => f.filePaths)) && changedFiles === undefined && d.oldCommitId) {
      const diffs = await deps.git.repos.diff(d.repositoryId, d.oldCommitId, d.newCommitId).catch(() => [])
      changedFiles = diffs.flatMap((x) => [x.before?.path, x.after?.path]).filter((x): x is string => !!x)
    }
    const match = triggerFor(p.normalized, { repositoryName: d.repositoryName, ref: d.ref, changedFiles })
    if (!match) continue
    const filtered = p.normalized.triggers.some((t) => t.sourceActionName === match.sourceActionName && t.push.length > 0)
    const revision = match.branch ?? match.tag ?? ''
    await engine.start(p.name, {
      trigger: { triggerType: filtered ? 'WebhookV2' : 'CloudWatchEvent', triggerDetail: `${resource} ${d.ref}` },
      sourceOverrides: [
        { actionName: match.sourceActionName, revisionType: 'COMMIT_ID', revisionValue: d.newCommitId },
        { actionName: match.sourceActionName, revisionType: 'BRANCH', revisionValue: revision },
      ],
      clientRequestToken: token,
    }).catch(deps.onError)
  }
}

async function onUpload(ctx: PipelineContext, engine: PipelineEngine, deps: { onError: (err: unknown) => void }, o: ObjectCreatedDetail, token: string): Promise<void> {
  for (const p of await ctx.store.pipelines.list()) {
    for (const a of p.normalized.stages[0]?.groups.flatMap((g) => g.actions) ?? []) {
      const id = a.actionTypeId
      if (id.category !== 'Source' || id.owner !== 'AWS' || id.provider !== 'S3') continue
      if (a.configuration.S3Bucket !== o.bucket || a.configuration.S3ObjectKey !== o.key) continue
      await engine.start(p.name, {
        trigger: { triggerType: 'CloudWatchEvent', triggerDetail: `arn:aws:s3:::${o.bucket}/${o.key}` },
        sourceOverrides: o.versionId ? [{ actionName: a.name, revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: o.versionId }] : [],
        clientRequestToken: token,
      }).catch(deps.onError)
    }
  }
}

async function onImagePush(ctx: PipelineContext, engine: PipelineEngine, deps: { onError: (err: unknown) => void }, d: Record<string, unknown>, resource: string, token: string): Promise<void> {
  const tag = d['image-tag']
  if (d['action-type'] !== 'PUSH' || typeof tag !== 'string') return
  for (const p of await ctx.store.pipelines.list()) {
    for (const a of p.normalized.stages[0]?.groups.flatMap((g) => g.actions) ?? []) {
      const id = a.actionTypeId
      if (id.category !== 'Source' || id.owner !== 'AWS' || id.provider !== 'ECR') continue
      if (a.configuration.RepositoryName !== d['repository-name'] || (a.configuration.ImageTag || DEFAULT_IMAGE_TAG) !== tag) continue
      await engine.start(p.name, {
        trigger: { triggerType: 'CloudWatchEvent', triggerDetail: `${resource}:${tag}` },
        sourceOverrides: [{ actionName: a.name, revisionType: 'IMAGE_DIGEST', revisionValue: String(d['image-digest']) }],
        clientRequestToken: token,
      }).catch(deps.onError)
    }
  }
}
