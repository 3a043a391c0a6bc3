/**
 * Which pushes start a pipeline. Pure functions over a `NormalizedPipeline` and a push event.
 *
 * Filter semantics (AWS): within a criteria, `excludes` win over `includes`, and `includes`, when
 * given, must match. A `tags` filter matches only tag pushes, a `branches` filter only branch pushes.
 * `filePaths` is satisfied when at least one changed file is included and not excluded; when the
 * caller does not know the changed files (`changedFiles` undefined) it is taken as satisfied. A push
 * filter matches when all of its criteria do; a trigger fires when any of its push filters matches.
 *
 * `triggerFor` (CodeCommit sources, Slipway-hosted repositories): a source action whose RepositoryName
 * is the pushed repository starts the pipeline
 * - without a trigger (or with a trigger that has no push filters): on a push to its BranchName;
 * - with a trigger that has push filters: on any branch or tag push the filters select, building
 *   the pushed ref — one pipeline can serve many branches.
 */
import { globMatches } from './glob.ts'
import type { NormalizedFilterCriteria, NormalizedPipeline, NormalizedPushFilter } from './types.ts'

export type PushFacts = { branch?: string; tag?: string; changedFiles?: readonly string[] }

export type PushEvent = {
  repositoryName: string
  /** `refs/heads/<branch>` or `refs/tags/<tag>`; anything else starts nothing. */
  ref: string
  changedFiles?: readonly string[]
}

export type TriggerMatch = { sourceActionName: string; branch?: string; tag?: string }

/** True when `value` is included (or there are no includes) and not excluded. */
export function matchesCriteria(criteria: NormalizedFilterCriteria, value: string): boolean {
  if (criteria.excludes.some((p) => globMatches(p, value))) return false
  return criteria.includes.length === 0 || criteria.includes.some((p) => globMatches(p, value))
}

export function matchesPushFilter(filter: NormalizedPushFilter, push: PushFacts): boolean {
  if (filter.tags) {
    if (push.tag === undefined || !matchesCriteria(filter.tags, push.tag)) return false
  } else {
    if (push.branch === undefined) return false
    if (filter.branches && !matchesCriteria(filter.branches, push.branch)) return false
  }
  if (filter.filePaths && push.changedFiles !== undefined) {
    const paths = filter.filePaths
    if (!push.changedFiles.some((file) => matchesCriteria(paths, file))) return false
  }
  return true
}

/** Splits a ref into branch or tag; undefined for any other ref. */
export function parseRef(ref: string): { branch: string } | { tag: string } | undefined {
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) return { branch: ref.slice('refs/heads/'.length) }
  if (ref.startsWith('refs/tags/') && ref.length > 'refs/tags/'.length) return { tag: ref.slice('refs/tags/'.length) }
  return undefined
}

/**
 * The source action of `pipeline` a push should run, and the branch or tag it should build; undefined
 * when the push does not concern this pipeline. The first matching source action in declaration
 * order wins (an execution runs every source action anyway).
 */
export function triggerFor(pipeline: NormalizedPipeline, event: PushEvent): TriggerMatch | undefined {
  const target = parseRef(event.ref)
  if (!target) return undefined
  const facts: PushFacts = { ...target, ...(event.changedFiles !== undefined && { changedFiles: event.changedFiles }) }
  const sourceStage = pipeline.stages[0]
  for (const group of sourceStage?.groups ?? []) {
    for (const action of group.actions) {
      const id = action.actionTypeId
      if (id.category !== 'Source' || id.owner !== 'AWS' || id.provider !== 'CodeCommit') continue
      if (action.configuration['RepositoryName'] !== event.repositoryName) continue
      const filters = pipeline.triggers.find((t) => t.sourceActionName === action.name)?.push ?? []
      if (filters.length > 0) {
        if (filters.some((f) => matchesPushFilter(f, facts))) return { sourceActionName: action.name, ...target }
      } else if ('branch' in target && target.branch === action.configuration['BranchName']) {
        return { sourceActionName: action.name, branch: target.branch }
      }
    }
  }
  return undefined
}
