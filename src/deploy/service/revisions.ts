import type { RevisionLocation } from '../../protocol/models/codedeploy.types.ts'
import { AwsError } from '../../shared/errors.ts'
import type { DeployContext } from './context.ts'
import { requireApplication } from './context.ts'

/**
 * A stable key for a revision location (S3 object version/etag). GitHub revisions are refused here,
 * when the deployment is asked for, rather than failing on every host later: Slipway's agents fetch S3
 * bundles only.
 */
export function revisionKey(r: RevisionLocation): string {
  if (r.revisionType === 'GitHub') {
    throw new AwsError('InvalidRevisionException', 'GitHub revisions (--github-location) are not deployed by Slipway: bundle the commit into S3 (aws deploy push, or a pipeline artifact) and deploy that')
  }
  if (r.revisionType === 'S3' && r.s3Location?.bucket && r.s3Location.key) return `S3:${r.s3Location.bucket}/${r.s3Location.key}#${r.s3Location.version ?? ''}#${(r.s3Location.eTag ?? '').replaceAll('"', '')}`
  throw new AwsError('InvalidRevisionException', 'The revision is not valid: Slipway deploys S3 bundles (zip, tar, tgz) with a bucket and key')
}

export async function registerRevision(ctx: DeployContext, applicationName: string, revision: RevisionLocation | undefined, description?: string): Promise<void> {
  await requireApplication(ctx, applicationName)
  if (!revision) throw new AwsError('RevisionRequiredException', 'The revision ID was not specified.')
  const key = revisionKey(revision)
  const existing = await ctx.store.deploy.revision(applicationName, key)
  await ctx.store.deploy.putRevision({ applicationName, key, revision, description: description ?? existing?.description, registerTime: existing?.registerTime ?? ctx.clock.now(), firstUsedTime: existing?.firstUsedTime, lastUsedTime: existing?.lastUsedTime })
}

export async function getRevision(ctx: DeployContext, applicationName: string, revision: RevisionLocation | undefined) {
  await requireApplication(ctx, applicationName)
  if (!revision) throw new AwsError('RevisionRequiredException', 'The revision ID was not specified.')
  const r = await ctx.store.deploy.revision(applicationName, revisionKey(revision))
  if (!r) throw new AwsError('RevisionDoesNotExistException', 'No application revision found for revision.')
  const groups = (await ctx.store.deploy.groups(applicationName)).filter((g) => g.targetRevision && revisionKey(g.targetRevision) === r.key).map((g) => g.name)
  return { applicationName, revision: r.revision, revisionInfo: { description: r.description, deploymentGroups: groups, firstUsedTime: r.firstUsedTime, lastUsedTime: r.lastUsedTime, registerTime: r.registerTime } }
}
