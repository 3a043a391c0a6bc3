/**
 * Stage-level rules: 2..50 stages with unique names, 1..50 actions each (≤ 500 in the pipeline),
 * source actions exactly in the first stage, at least one non-source action, blockers, and the
 * shape of stage conditions (onFailure / onSuccess / beforeEntry; V2 — the V1 check is pipeline-level).
 */
import type { Condition, PipelineDeclaration, StageDeclaration } from '../../../protocol/models/codepipeline.types.ts'
import { duplicates, isSourceAction, NAME_PATTERN, Problems } from './sites.ts'

const MIN_STAGES = 2
const MAX_STAGES = 50
const MAX_ACTIONS_PER_STAGE = 50
const MAX_ACTIONS_PER_PIPELINE = 500
const RESULTS = ['ROLLBACK', 'FAIL', 'RETRY', 'SKIP']
const RETRY_MODES = ['FAILED_ACTIONS', 'ALL_ACTIONS']

export function checkStages(declaration: PipelineDeclaration, problems: Problems): void {
  const stages = declaration.stages ?? []
  if (stages.length < MIN_STAGES) {
    problems.add('InvalidStructureException', `Pipeline has only ${stages.length} stage(s). There should be a minimum of ${MIN_STAGES} stages in a pipeline`)
  }
  if (stages.length > MAX_STAGES) {
    problems.add('InvalidStructureException', `Pipeline has ${stages.length} stages. There can be at most ${MAX_STAGES} stages in a pipeline`)
  }
  for (const stage of stages) {
    if (typeof stage.name !== 'string' || !NAME_PATTERN.test(stage.name)) {
      problems.add('ValidationException', `Stage name '${String(stage.name)}' is invalid: use 1 to 100 characters from A-Z, a-z, 0-9, '.', '@', '-' and '_'`)
    }
  }
  for (const name of duplicates(stages.map((s) => s.name))) {
    problems.add('InvalidStructureException', `Pipeline has more than one stage named ${name}. Stage names must be unique within a pipeline`)
  }

  let total = 0
  for (const stage of stages) {
    const count = (stage.actions ?? []).length
    total += count
    if (count === 0) problems.add('InvalidStageDeclarationException', `Stage ${stage.name} has no actions. A stage must contain 1 to ${MAX_ACTIONS_PER_STAGE} actions`)
    if (count > MAX_ACTIONS_PER_STAGE) problems.add('InvalidStageDeclarationException', `Stage ${stage.name} has ${count} actions. A stage can contain at most ${MAX_ACTIONS_PER_STAGE} actions`)
  }
  if (total > MAX_ACTIONS_PER_PIPELINE) {
    problems.add('InvalidStructureException', `Pipeline has ${total} actions. A pipeline can contain at most ${MAX_ACTIONS_PER_PIPELINE} actions`)
  }

  checkSourcePlacement(stages, problems)
  for (const [index, stage] of stages.entries()) {
    checkBlockers(stage, problems)
    checkConditions(stage, index, problems)
  }
}

function checkSourcePlacement(stages: readonly StageDeclaration[], problems: Problems): void {
  const [first, ...rest] = stages
  if (!first) return
  const firstActions = first.actions ?? []
  if (firstActions.length > 0 && !firstActions.some(isSourceAction)) {
    problems.add('InvalidStructureException', `The first stage, ${first.name}, has no source action. The first stage must contain only source actions, at least one`)
  } else {
    for (const action of firstActions) {
      if (!isSourceAction(action)) {
        problems.add('InvalidStructureException', `Stage ${first.name} has a non-source action, ${action.name} (${action.actionTypeId?.category}). The first stage can contain only source actions`)
      }
    }
  }
  for (const stage of rest) {
    for (const action of stage.actions ?? []) {
      if (isSourceAction(action)) {
        problems.add('InvalidStructureException', `Stage ${stage.name} has a source action, ${action.name}. Source actions can only be in the first stage`)
      }
    }
  }
  const all = stages.flatMap((s) => s.actions ?? [])
  if (stages.length >= MIN_STAGES && all.length > 0 && all.every(isSourceAction)) {
    problems.add('InvalidStructureException', 'Pipeline has only source actions. A pipeline needs at least one non-source action')
  }
}

function checkBlockers(stage: StageDeclaration, problems: Problems): void {
  const blockers = stage.blockers ?? []
  for (const blocker of blockers) {
    if (typeof blocker.name !== 'string' || !NAME_PATTERN.test(blocker.name)) {
      problems.add('InvalidBlockerDeclarationException', `Blocker name '${String(blocker.name)}' in stage ${stage.name} is invalid: use 1 to 100 characters from A-Z, a-z, 0-9, '.', '@', '-' and '_'`)
    }
    if (blocker.type !== 'Schedule') {
      problems.add('InvalidBlockerDeclarationException', `Blocker ${blocker.name} in stage ${stage.name} has type '${String(blocker.type)}'; the only blocker type is Schedule`)
    }
  }
  for (const name of duplicates(blockers.map((b) => b.name))) {
    problems.add('InvalidBlockerDeclarationException', `Stage ${stage.name} has more than one blocker named ${name}. Blocker names must be unique within a stage`)
  }
}

function checkConditions(stage: StageDeclaration, index: number, problems: Problems): void {
  const { onFailure, onSuccess, beforeEntry } = stage
  if (onFailure) {
    if (onFailure.result !== undefined && !RESULTS.includes(onFailure.result)) {
      problems.add('InvalidStageDeclarationException', `Stage ${stage.name}: onFailure result '${onFailure.result}' is invalid: use ROLLBACK, FAIL, RETRY or SKIP`)
    }
    const retryMode = onFailure.retryConfiguration?.retryMode
    if (retryMode !== undefined && !RETRY_MODES.includes(retryMode)) {
      problems.add('InvalidStageDeclarationException', `Stage ${stage.name}: onFailure retryMode '${retryMode}' is invalid: use FAILED_ACTIONS or ALL_ACTIONS`)
    }
    if (onFailure.retryConfiguration && onFailure.result !== 'RETRY') {
      problems.add('InvalidStageDeclarationException', `Stage ${stage.name}: onFailure retryConfiguration applies only when the onFailure result is RETRY`)
    }
    if (index === 0 && onFailure.result === 'ROLLBACK') {
      problems.add('InvalidStageDeclarationException', `Stage ${stage.name} is the source stage, which cannot be rolled back: onFailure result ROLLBACK is not allowed there`)
    }
    checkConditionList(stage.name, 'onFailure', onFailure.conditions ?? [], false, problems)
  }
  if (onSuccess) checkConditionList(stage.name, 'onSuccess', onSuccess.conditions, true, problems)
  if (beforeEntry) checkConditionList(stage.name, 'beforeEntry', beforeEntry.conditions, true, problems)
}

function checkConditionList(stageName: string, kind: string, conditions: readonly Condition[] | undefined, required: boolean, problems: Problems): void {
  const list = conditions ?? []
  if ((required && list.length === 0) || list.length > 1) {
    problems.add('InvalidStageDeclarationException', `Stage ${stageName}: ${kind} must have exactly 1 condition, found ${list.length}`)
  }
  for (const condition of list) {
    if (condition.result !== undefined && !RESULTS.includes(condition.result)) {
      problems.add('InvalidStageDeclarationException', `Stage ${stageName}: ${kind} condition result '${condition.result}' is invalid: use ROLLBACK, FAIL, RETRY or SKIP`)
    }
    const rules = condition.rules ?? []
    if (rules.length < 1 || rules.length > 5) {
      problems.add('InvalidStageDeclarationException', `Stage ${stageName}: a ${kind} condition must have 1 to 5 rules, found ${rules.length}`)
    }
    for (const rule of rules) {
      if (typeof rule.name !== 'string' || !NAME_PATTERN.test(rule.name)) {
        problems.add('InvalidStageDeclarationException', `Stage ${stageName}: ${kind} rule name '${String(rule.name)}' is invalid: use 1 to 100 characters from A-Z, a-z, 0-9, '.', '@', '-' and '_'`)
      }
      if (rule.ruleTypeId?.category !== 'Rule' || (rule.ruleTypeId.owner !== undefined && rule.ruleTypeId.owner !== 'AWS')) {
        problems.add('InvalidStageDeclarationException', `Stage ${stageName}: ${kind} rule ${rule.name} must have ruleTypeId category Rule and owner AWS`)
      }
    }
    for (const name of duplicates(rules.map((r) => r.name))) {
      problems.add('InvalidStageDeclarationException', `Stage ${stageName}: ${kind} condition has more than one rule named ${name}`)
    }
  }
}
