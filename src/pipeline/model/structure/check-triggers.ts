/**
 * Trigger rules (V2; the V1 check is pipeline-level). AWS allows triggers only on CodeStarSourceConnection
 * source actions. **Slipway extension:** a trigger (still `providerType: CodeStarSourceConnection`, the
 * only value the API model has) may also name a CodeCommit source action, so a push to a Slipway-hosted
 * repository can start the pipeline on any branch or tag its filters select.
 *
 * Checked: ≤ 50 triggers; `sourceActionName` names a CodeCommit or CodeStarSourceConnection source
 * action of the first stage; at most one trigger per source action; 1..3 push filters, each one of the
 * combinations AWS allows (tags, branches, branches + filePaths); 1..8 valid globs per includes/excludes.
 * Pull-request filters are refused: Slipway does not start pipelines on pull-request events.
 */
import type { GitPushFilter, PipelineDeclaration, PipelineTriggerDeclaration } from '../../../protocol/models/codepipeline.types.ts'
import { compileGlob } from './glob.ts'
import { duplicates, Problems } from './sites.ts'

const MAX_TRIGGERS = 50
const MAX_FILTERS = 3
const MAX_PATTERNS = 8
const MAX_PATTERN_LENGTH = 255
export const TRIGGERABLE_PROVIDERS = ['CodeCommit', 'CodeStarSourceConnection']

export function checkTriggers(declaration: PipelineDeclaration, problems: Problems): void {
  const triggers = declaration.triggers ?? []
  if (triggers.length > MAX_TRIGGERS) problems.add('ValidationException', `Pipeline declares ${triggers.length} triggers; at most ${MAX_TRIGGERS} are allowed`)
  for (const trigger of triggers) checkTrigger(declaration, trigger, problems)
  const names = triggers.map((t) => t.gitConfiguration?.sourceActionName).filter((n): n is string => typeof n === 'string')
  for (const name of duplicates(names)) {
    problems.add('InvalidStructureException', `More than one trigger names source action ${name}. A source action can have at most one trigger`)
  }
}

function checkTrigger(declaration: PipelineDeclaration, trigger: PipelineTriggerDeclaration, problems: Problems): void {
  if (trigger.providerType !== 'CodeStarSourceConnection') {
    problems.add('ValidationException', `Trigger providerType '${String(trigger.providerType)}' is invalid: the only provider type is CodeStarSourceConnection`)
  }
  const git = trigger.gitConfiguration
  if (!git || typeof git.sourceActionName !== 'string') {
    problems.add('ValidationException', 'A trigger has no gitConfiguration.sourceActionName')
    return
  }
  const name = git.sourceActionName
  const stages = declaration.stages ?? []
  const action = stages[0]?.actions?.find((a) => a.name === name)
  const elsewhere = stages.slice(1).find((s) => (s.actions ?? []).some((a) => a.name === name))
  const label = `Trigger for source action ${name}`
  if (!action) {
    const hint = elsewhere ? `: ${name} is in stage ${elsewhere.name}, and triggers can only be set on source actions in the first stage` : ''
    problems.add('InvalidStructureException', `${label}: the first stage, ${stages[0]?.name ?? '(none)'}, has no action named ${name}${hint}`)
  } else if (action.actionTypeId?.category !== 'Source') {
    problems.add('InvalidStructureException', `${label}: ${name} is a ${action.actionTypeId?.category} action, not a source action; triggers can only be set on source actions`)
  } else if (!TRIGGERABLE_PROVIDERS.includes(action.actionTypeId.provider)) {
    problems.add('InvalidStructureException', `${label}: ${name} is a source action of provider ${action.actionTypeId.provider}; triggers can only be set on CodeCommit or CodeStarSourceConnection source actions`)
  }

  if (git.pullRequest !== undefined) {
    problems.add('ValidationException', `${label}: pullRequest filters are not supported: Slipway does not start pipelines on pull-request events (use push filters)`)
  }
  if (git.push !== undefined) {
    if (git.push.length < 1 || git.push.length > MAX_FILTERS) problems.add('ValidationException', `${label} has ${git.push.length} push filters; declare 1 to ${MAX_FILTERS}`)
    for (const [i, filter] of git.push.entries()) checkPushFilter(`${label}, push[${i}]`, filter, problems)
  }
}

function checkPushFilter(label: string, filter: GitPushFilter, problems: Problems): void {
  const { tags, branches, filePaths } = filter
  if (tags && (branches || filePaths)) {
    problems.add('InvalidStructureException', `${label} combines tags with ${branches ? 'branches' : 'filePaths'}; a push filter is tags, branches, or branches with filePaths`)
  } else if (!tags && !branches) {
    problems.add('InvalidStructureException', `${label} ${filePaths ? 'has filePaths without branches' : 'is empty'}; a push filter is tags, branches, or branches with filePaths`)
  }
  for (const [kind, criteria] of [['tags', tags], ['branches', branches], ['filePaths', filePaths]] as const) {
    if (!criteria) continue
    if (criteria.includes === undefined && criteria.excludes === undefined) {
      problems.add('ValidationException', `${label}: ${kind} needs includes or excludes`)
    }
    for (const side of ['includes', 'excludes'] as const) {
      const patterns = criteria[side]
      if (patterns === undefined) continue
      if (patterns.length < 1 || patterns.length > MAX_PATTERNS) problems.add('ValidationException', `${label}: ${kind}.${side} has ${patterns.length} patterns; list 1 to ${MAX_PATTERNS}`)
      for (const pattern of patterns) {
        if (typeof pattern !== 'string' || pattern.length < 1 || pattern.length > MAX_PATTERN_LENGTH) {
          problems.add('ValidationException', `${label}: ${kind}.${side} patterns must be 1 to ${MAX_PATTERN_LENGTH} characters`)
          continue
        }
        const compiled = compileGlob(pattern)
        if (!compiled.ok) problems.add('ValidationException', `${label}: ${kind}.${side}: ${compiled.problem}`)
      }
    }
  }
}
