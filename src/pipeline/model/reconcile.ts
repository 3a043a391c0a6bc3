import type { ActionRun, ArtifactLocation, EngineAction, EnginePipeline, ExecutionState, StageRun, Transitions } from './execution-types.ts'
import { AUTO_STAGE_RETRIES, isTerminal, rerunStage } from './execution-types.ts'
import { resolveConfiguration, resolveVariables } from './variables.ts'

/** Id suppliers the caller provides (the model has no randomness of its own). */
export type Ids = { id(): string; shortId(): string }

/** An action to hand to its provider (its run is already recorded InProgress). */
export type Dispatch = { executionId: string; stageName: string; actionName: string; actionExecutionId: string }

export type ReconcileResult = { executions: ExecutionState[]; changed: Set<string>; dispatches: Dispatch[] }

const DEFAULT_APPROVAL_TIMEOUT_MIN = 7 * 24 * 60

/**
 * Advances every active execution of one pipeline as far as it can go now: starts the next runOrder
 * group when the previous one succeeded, ends stages and executions, moves executions between stages
 * under the execution mode's stage lock (SUPERSEDED: one waiting execution per stage, newer replaces
 * older; QUEUED: FIFO; PARALLEL: no lock), honours disabled transitions, finishes stops and times out
 * approvals. Pure: the same inputs give the same result. Runs to a fixpoint.
 */
export function reconcile(p: EnginePipeline, transitions: Transitions, input: ExecutionState[], now: number, ids: Ids): ReconcileResult {
  const executions = input.map((e) => structuredClone(e)).sort((a, b) => a.startTime - b.startTime || (a.id < b.id ? -1 : 1))
  const changed = new Set<string>()
  const dispatches: Dispatch[] = []
  const touch = (e: ExecutionState) => {
    e.lastUpdateTime = now
    changed.add(e.id)
  }
  for (let pass = 0; pass < 1000; pass++) {
    let progressed = false
    for (const e of executions) {
      if (isTerminal(e)) continue
      if (e.position.kind === 'inStage' ? advanceStage(e) : e.position.kind === 'waiting' ? tryEnter(e) : false) {
        touch(e)
        progressed = true
      }
    }
    if (!progressed) break
  }
  return { executions, changed, dispatches }

  function stageOf(e: ExecutionState) {
    const idx = e.position.kind === 'done' ? -1 : e.position.stageIndex
    const stage = p.stages[idx]
    return stage ? { idx, stage, run: e.stages[stage.name] } : undefined
  }

  function holdsLock(x: ExecutionState, idx: number): boolean {
    if (x.position.kind !== 'inStage' || x.position.stageIndex !== idx) return false
    const status = x.stages[p.stages[idx]?.name ?? '']?.status
    return status === 'InProgress' || status === 'Stopping'
  }

  /** Tries to enter the stage an execution waits for. Returns true if anything changed. */
  function tryEnter(e: ExecutionState): boolean {
    if (e.position.kind !== 'waiting') return false
    const idx = e.position.stageIndex
    const stage = p.stages[idx]
    if (!stage) return false
    if (e.stop) {
      e.status = 'Stopped'
      e.position = { kind: 'done' }
      return true
    }
    const waiting = executions.filter((x) => !isTerminal(x) && x.position.kind === 'waiting' && x.position.stageIndex === idx)
    if (p.executionMode === 'SUPERSEDED') {
      const newest = waiting.reduce((a, b) => (b.startTime > a.startTime || (b.startTime === a.startTime && b.id > a.id) ? b : a))
      if (newest !== e) {
        e.status = 'Superseded'
        e.statusSummary = `Superseded by execution ${newest.id}`
        e.position = { kind: 'done' }
        return true
      }
    }
    if (transitions[stage.name]?.enabled === false) return false
    if (p.executionMode !== 'PARALLEL' && executions.some((x) => x !== e && !isTerminal(x) && holdsLock(x, idx))) return false
    if (p.executionMode === 'QUEUED') {
      const first = waiting.reduce((a, b) => ((b.position as { since: number }).since < (a.position as { since: number }).since ? b : a))
      if (first !== e) return false
    }
    e.position = { kind: 'inStage', stageIndex: idx }
    const previous = e.stages[stage.name]
    e.stages[stage.name] = { status: 'InProgress', stageExecutionId: ids.id(), attempt: (previous?.attempt ?? 0) + 1, startTime: now, actions: {} }
    return true
  }

  /** Moves a stage forward. Returns true if anything changed. */
  function advanceStage(e: ExecutionState): boolean {
    const at = stageOf(e)
    if (!at?.run || (at.run.status !== 'InProgress' && at.run.status !== 'Stopping')) return false
    const { idx, stage, run } = at
    let changedHere = timeOutApprovals(run, stage.groups.flatMap((g) => g.actions))
    for (const group of stage.groups) {
      const runs = group.actions.map((a) => run.actions[a.name])
      if (runs.some((r) => r?.status === 'InProgress')) return changedHere
      if (runs.some((r) => r && (r.status === 'Failed' || r.status === 'Abandoned'))) {
        if (e.stop) return finishStop(e, run) || changedHere
        if (stage.autoRetry && (run.autoRetries ?? 0) < AUTO_STAGE_RETRIES) {
          e.stages[stage.name] = rerunStage(run, stage.autoRetry, 'AutomatedStageRetry')
          return true
        }
        run.status = 'Failed'
        e.status = 'Failed'
        const failed = group.actions.find((a) => ['Failed', 'Abandoned'].includes(run.actions[a.name]?.status ?? ''))
        e.statusSummary = `Stage ${stage.name} failed: action ${failed?.name ?? '?'} ${run.actions[failed?.name ?? '']?.errorDetails?.message ?? 'failed'}`
        return true
      }
      if (runs.some((r) => r === undefined)) {
        if (e.stop) return finishStop(e, run) || changedHere
        for (const action of group.actions) if (!run.actions[action.name]) start(e, stage.name, run, action)
        return true
      }
    }
    if (e.stop) return finishStop(e, run) || changedHere
    run.status = 'Succeeded'
    if (idx === p.stages.length - 1 || e.rollback?.stageName === stage.name) {
      e.status = 'Succeeded'
      e.statusSummary = undefined
      e.position = { kind: 'done' }
    } else {
      e.position = { kind: 'waiting', stageIndex: idx + 1, since: now }
    }
    changedHere = true
    return changedHere
  }

  function finishStop(e: ExecutionState, run: StageRun): boolean {
    run.status = 'Stopped'
    e.status = 'Stopped'
    e.statusSummary = e.stop?.reason
    return true
  }

  function timeOutApprovals(run: StageRun, actions: EngineAction[]): boolean {
    let any = false
    for (const a of actions) {
      const r = run.actions[a.name]
      if (!r || r.status !== 'InProgress' || a.category !== 'Approval') continue
      if (now - r.startTime > (a.timeoutInMinutes ?? DEFAULT_APPROVAL_TIMEOUT_MIN) * 60_000) {
        r.status = 'Failed'
        r.lastUpdateTime = now
        r.errorDetails = { code: 'TimedOut', message: 'The approval request timed out' }
        r.summary = 'Approval timed out'
        any = true
      }
    }
    return any
  }

  function start(e: ExecutionState, stageName: string, run: StageRun, action: EngineAction): void {
    const actionExecutionId = ids.id()
    const lookup = (ns: string, key: string) => variableValue(p, e, ns, key)
    const { configuration: resolvedConfiguration, unresolved } = resolveConfiguration(action.configuration, lookup)
    const resolvedCommands = action.commands?.map((c) => {
      const r = resolveVariables(c, lookup)
      unresolved.push(...r.unresolved)
      return r.value
    })
    const inputArtifacts: ArtifactLocation[] = []
    for (const name of action.inputArtifacts) {
      const produced = producedArtifact(e, name)
      if (produced) inputArtifacts.push(produced)
      else unresolved.push(`artifact ${name}`)
    }
    const outputArtifacts = action.outputArtifacts.map((name) => ({ name, bucket: p.artifactBucket, key: `${p.name.slice(0, 20)}/${name.slice(0, 10)}/${ids.shortId()}` }))
    const r: ActionRun = {
      actionExecutionId,
      stageAttempt: run.attempt,
      status: 'InProgress',
      startTime: now,
      lastUpdateTime: now,
      resolvedConfiguration,
      ...(resolvedCommands ? { resolvedCommands } : {}),
      inputArtifacts,
      outputArtifacts,
      outputVariables: {},
    }
    if (unresolved.length > 0) {
      r.status = 'Failed'
      r.errorDetails = { code: 'ConfigurationError', message: `Unresolved references: ${unresolved.join(', ')}` }
    } else {
      if (action.category === 'Approval') r.token = ids.id()
      dispatches.push({ executionId: e.id, stageName, actionName: action.name, actionExecutionId })
    }
    run.actions[action.name] = r
  }
}

/** `#{ns.key}`: codepipeline.PipelineExecutionId, variables.<name>, or an earlier action's output variable. */
export function variableValue(p: EnginePipeline, e: ExecutionState, ns: string, key: string): string | undefined {
  if (ns === 'codepipeline') return key === 'PipelineExecutionId' ? e.id : undefined
  if (ns === 'variables') return e.variables[key]
  for (const stage of p.stages) {
    for (const g of stage.groups) {
      for (const a of g.actions) {
        if (a.namespace === ns) return e.stages[stage.name]?.actions[a.name]?.outputVariables[key]
      }
    }
  }
  return undefined
}

/** The location of an artifact an earlier action of this execution produced. */
export function producedArtifact(e: ExecutionState, name: string): ArtifactLocation | undefined {
  for (const stage of Object.values(e.stages)) {
    for (const run of Object.values(stage.actions)) {
      if (run.status !== 'Succeeded') continue
      const found = run.outputArtifacts.find((o) => o.name === name)
      if (found) return found
    }
  }
  return undefined
}
