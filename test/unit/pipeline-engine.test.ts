import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { reconcile, type Dispatch } from '../../src/pipeline/model/reconcile.ts'
import { answerApproval, cancelForUpdate, completeAction, newExecution, newRollbackExecution, retryStage, stopExecution } from '../../src/pipeline/model/execution-commands.ts'
import type { EngineAction, EnginePipeline, ExecutionMode, ExecutionState, Transitions } from '../../src/pipeline/model/execution-types.ts'
import { EngineRefusal } from '../../src/pipeline/model/execution-types.ts'

const act = (name: string, category: string, extra: Partial<EngineAction> = {}): EngineAction => ({
  name, category, owner: 'AWS', provider: category === 'Source' ? 'CodeCommit' : category === 'Approval' ? 'Manual' : 'CodeBuild', version: '1',
  runOrder: 1, configuration: {}, inputArtifacts: [], outputArtifacts: [], ...extra,
})

function pipeline(mode: ExecutionMode = 'SUPERSEDED'): EnginePipeline {
  return {
    name: 'demo', version: 1, executionMode: mode, artifactBucket: 'store',
    stages: [
      { name: 'Source', groups: [{ runOrder: 1, actions: [act('Src', 'Source', { outputArtifacts: ['SrcOut'], namespace: 'SourceVariables' })] }] },
      { name: 'Build', groups: [
        { runOrder: 1, actions: [act('Unit', 'Build', { inputArtifacts: ['SrcOut'], configuration: { ProjectName: 'p', EnvironmentVariables: '#{SourceVariables.CommitId}' }, outputArtifacts: ['BuildOut'] }), act('Lint', 'Build', { inputArtifacts: ['SrcOut'] })] },
        { runOrder: 2, actions: [act('Package', 'Build', { inputArtifacts: ['BuildOut'], configuration: { Run: '#{codepipeline.PipelineExecutionId}' } })] },
      ] },
      { name: 'Approve', groups: [{ runOrder: 1, actions: [act('Ok', 'Approval', { timeoutInMinutes: 10 })] }] },
    ],
  }
}

/** A tiny driver around the pure functions: deterministic ids and a clock the test moves. */
function engine(p: EnginePipeline, transitions: Transitions = {}) {
  let n = 0
  let now = 1_000
  let executions: ExecutionState[] = []
  let dispatched: Dispatch[] = []
  const ids = { id: () => `id-${++n}`, shortId: () => `s${++n}` }
  const step = () => {
    const r = reconcile(p, transitions, executions, now, ids)
    executions = r.executions
    dispatched.push(...r.dispatches)
    return r
  }
  return {
    get: (id: string) => executions.find((e) => e.id === id)!,
    start(id: string) {
      executions.push(newExecution(p, { id, trigger: { triggerType: 'StartPipelineExecution' }, variables: {}, now: ++now }))
      step()
    },
    step,
    advance: (ms: number) => (now += ms),
    /** Completes the current run of an action and reconciles. */
    finish(id: string, stage: string, action: string, status: 'Succeeded' | 'Failed' = 'Succeeded', vars: Record<string, string> = stage === 'Source' ? { CommitId: 'c0' } : {}) {
      const e = executions.find((x) => x.id === id)!
      const run = e.stages[stage]!.actions[action]!
      assert.ok(completeAction(e, stage, action, run.actionExecutionId, { status, outputVariables: vars }, ++now), `${id} ${stage}/${action} was running`)
      step()
    },
    take() {
      const d = dispatched.map((x) => `${x.executionId}:${x.stageName}/${x.actionName}`)
      dispatched = []
      return d
    },
    all: () => executions,
    now: () => now,
  }
}

const where = (e: ExecutionState) => (e.position.kind === 'done' ? e.status : `${e.position.kind}:${e.position.stageIndex}:${e.status}`)

describe('pipeline engine (pure)', () => {
  it('runs stages in order, runOrder groups in order, equal runOrder in parallel, and resolves variables', () => {
    const en = engine(pipeline())
    en.start('A')
    assert.deepEqual(en.take(), ['A:Source/Src'])
    en.finish('A', 'Source', 'Src', 'Succeeded', { CommitId: 'abc123' })
    assert.deepEqual(en.take(), ['A:Build/Unit', 'A:Build/Lint'])
    assert.equal(en.get('A').stages.Build!.actions.Unit!.resolvedConfiguration.EnvironmentVariables, 'abc123')
    assert.deepEqual(en.get('A').stages.Build!.actions.Unit!.inputArtifacts.map((a) => a.name), ['SrcOut'])
    en.finish('A', 'Build', 'Unit')
    assert.deepEqual(en.take(), [], 'group 2 waits for all of group 1')
    en.finish('A', 'Build', 'Lint')
    assert.deepEqual(en.take(), ['A:Build/Package'])
    assert.equal(en.get('A').stages.Build!.actions.Package!.resolvedConfiguration.Run, 'A')
    en.finish('A', 'Build', 'Package')
    assert.deepEqual(en.take(), ['A:Approve/Ok'])
    const run = en.get('A').stages.Approve!.actions.Ok!
    assert.ok(run.token)
    answerApproval(en.get('A'), 'Approve', 'Ok', run.token!, 'Approved', 'lgtm', en.advance(1))
    en.step()
    assert.equal(en.get('A').status, 'Succeeded')
  })

  it('lets running siblings finish, then fails the stage and the execution', () => {
    const en = engine(pipeline())
    en.start('A')
    en.finish('A', 'Source', 'Src')
    en.finish('A', 'Build', 'Unit', 'Failed')
    assert.equal(en.get('A').stages.Build!.status, 'InProgress', 'Lint still runs')
    en.finish('A', 'Build', 'Lint')
    assert.equal(en.get('A').stages.Build!.status, 'Failed')
    assert.equal(en.get('A').status, 'Failed')
    assert.ok(!en.take().includes('A:Build/Package'))
  })

  it('SUPERSEDED: a newer execution replaces the one waiting in front of a locked stage', () => {
    const en = engine(pipeline('SUPERSEDED'))
    en.start('A')
    en.finish('A', 'Source', 'Src')
    en.start('B')
    en.finish('B', 'Source', 'Src')
    assert.equal(where(en.get('B')), 'waiting:1:InProgress', 'B waits: A holds Build')
    en.start('C')
    en.finish('C', 'Source', 'Src')
    assert.equal(en.get('B').status, 'Superseded')
    assert.equal(where(en.get('C')), 'waiting:1:InProgress')
    en.take()
    en.finish('A', 'Build', 'Unit')
    en.finish('A', 'Build', 'Lint')
    en.finish('A', 'Build', 'Package')
    assert.ok(en.take().includes('C:Build/Unit'), 'C enters when A leaves')
  })

  it('QUEUED: waiting executions enter one by one in arrival order', () => {
    const en = engine(pipeline('QUEUED'))
    en.start('A')
    en.finish('A', 'Source', 'Src')
    en.start('B')
    en.finish('B', 'Source', 'Src')
    en.start('C')
    en.finish('C', 'Source', 'Src')
    assert.deepEqual(en.all().map(where), ['inStage:1:InProgress', 'waiting:1:InProgress', 'waiting:1:InProgress'])
    en.take()
    for (const a of ['Unit', 'Lint', 'Package']) en.finish('A', 'Build', a)
    assert.deepEqual(en.take().filter((d) => !d.startsWith('A:')), ['B:Build/Unit', 'B:Build/Lint'])
    assert.equal(where(en.get('C')), 'waiting:1:InProgress')
  })

  it('PARALLEL: executions do not wait for each other', () => {
    const en = engine(pipeline('PARALLEL'))
    en.start('A')
    en.start('B')
    en.finish('A', 'Source', 'Src')
    en.finish('B', 'Source', 'Src')
    assert.deepEqual(en.all().map(where), ['inStage:1:InProgress', 'inStage:1:InProgress'])
  })

  it('holds an execution at a disabled transition until it is enabled', () => {
    const transitions: Transitions = { Build: { enabled: false } }
    const en = engine(pipeline(), transitions)
    en.start('A')
    en.finish('A', 'Source', 'Src')
    assert.equal(where(en.get('A')), 'waiting:1:InProgress')
    transitions.Build = { enabled: true }
    en.step()
    assert.equal(where(en.get('A')), 'inStage:1:InProgress')
  })

  it('stops and waits for running actions, or abandons them', () => {
    const en = engine(pipeline())
    en.start('A')
    en.finish('A', 'Source', 'Src')
    stopExecution(en.get('A'), false, 'not now', en.advance(1))
    assert.throws(() => stopExecution(en.get('A'), false, undefined, en.advance(1)), (e: EngineRefusal) => e.code === 'DuplicatedStopRequestException')
    en.step()
    assert.equal(en.get('A').status, 'Stopping')
    en.finish('A', 'Build', 'Unit')
    en.finish('A', 'Build', 'Lint')
    assert.equal(en.get('A').status, 'Stopped')
    assert.equal(en.get('A').stages.Build!.status, 'Stopped')
    assert.ok(!en.take().includes('A:Build/Package'), 'nothing new starts after a stop')
    assert.throws(() => stopExecution(en.get('A'), true, undefined, en.advance(1)), (e: EngineRefusal) => e.code === 'PipelineExecutionNotStoppableException')

    en.start('B')
    en.finish('B', 'Source', 'Src')
    stopExecution(en.get('B'), true, 'abandon', en.advance(1))
    en.step()
    assert.equal(en.get('B').status, 'Stopped')
    assert.equal(en.get('B').stages.Build!.actions.Unit!.status, 'Abandoned')
  })

  it('retries only failed actions, with AWS refusal rules', () => {
    const p = pipeline()
    const en = engine(p)
    en.start('A')
    en.finish('A', 'Source', 'Src')
    en.finish('A', 'Build', 'Unit', 'Failed')
    en.finish('A', 'Build', 'Lint')
    en.take()
    assert.throws(() => retryStage(p, en.get('A'), en.all(), 'Approve', 'FAILED_ACTIONS', en.advance(1)), (e: EngineRefusal) => e.code === 'StageNotRetryableException')
    assert.throws(() => retryStage({ ...p, version: 2 }, en.get('A'), en.all(), 'Build', 'FAILED_ACTIONS', en.advance(1)), (e: EngineRefusal) => e.code === 'StageNotRetryableException')
    retryStage(p, en.get('A'), en.all(), 'Build', 'FAILED_ACTIONS', en.advance(1))
    en.step()
    assert.deepEqual(en.take(), ['A:Build/Unit'], 'only the failed action runs again')
    en.finish('A', 'Build', 'Unit')
    assert.deepEqual(en.take(), ['A:Build/Package'])
    assert.equal(en.get('A').status, 'InProgress')
  })

  it('onFailure RETRY: retries the stage once by itself (failed actions or all), then fails', () => {
    const withRetry = (mode: 'FAILED_ACTIONS' | 'ALL_ACTIONS'): EnginePipeline => {
      const p = pipeline()
      return { ...p, stages: p.stages.map((s) => (s.name === 'Build' ? { ...s, autoRetry: mode } : s)) }
    }
    const en = engine(withRetry('FAILED_ACTIONS'))
    en.start('A')
    en.finish('A', 'Source', 'Src')
    en.take()
    en.finish('A', 'Build', 'Unit', 'Failed')
    en.finish('A', 'Build', 'Lint')
    assert.deepEqual(en.take(), ['A:Build/Unit'], 'only the failed action runs again')
    assert.equal(en.get('A').status, 'InProgress')
    assert.equal(en.get('A').stages.Build!.status, 'InProgress')
    assert.equal(en.get('A').stages.Build!.autoRetries, 1)
    assert.equal(en.get('A').stages.Build!.latestRetryTrigger, 'AutomatedStageRetry')
    assert.deepEqual(en.get('A').stages.Build!.earlier?.map((x) => `${x.actionName}:${x.run.status}`), ['Unit:Failed'], 'the replaced attempt is kept')
    en.finish('A', 'Build', 'Unit', 'Failed')
    assert.equal(en.get('A').status, 'Failed', 'one automatic retry, then the stage fails')
    assert.deepEqual(en.take(), [])
    // A manual retry still works after that, and is counted apart.
    retryStage(withRetry('FAILED_ACTIONS'), en.get('A'), en.all(), 'Build', 'FAILED_ACTIONS', en.advance(1))
    en.step()
    assert.deepEqual(en.take(), ['A:Build/Unit'])
    assert.equal(en.get('A').stages.Build!.manualRetries, 1)
    assert.equal(en.get('A').stages.Build!.latestRetryTrigger, 'ManualStageRetry')

    const all = engine(withRetry('ALL_ACTIONS'))
    all.start('B')
    all.finish('B', 'Source', 'Src')
    all.take()
    all.finish('B', 'Build', 'Unit')
    all.finish('B', 'Build', 'Lint', 'Failed')
    assert.deepEqual(all.take(), ['B:Build/Unit', 'B:Build/Lint'], 'ALL_ACTIONS runs the whole stage again')
    all.finish('B', 'Build', 'Unit')
    all.finish('B', 'Build', 'Lint')
    assert.deepEqual(all.take(), ['B:Build/Package'], 'and goes on when the retry succeeds')
  })

  it('rolls a stage back: a ROLLBACK execution reruns only that stage with the target\'s revisions and artifacts', () => {
    const p = pipeline()
    const en = engine(p)
    en.start('A')
    en.finish('A', 'Source', 'Src', 'Succeeded', { CommitId: 'good1' })
    for (const a of ['Unit', 'Lint', 'Package']) en.finish('A', 'Build', a)
    en.take()
    en.start('B')
    en.finish('B', 'Source', 'Src', 'Succeeded', { CommitId: 'bad2' })
    en.finish('B', 'Build', 'Unit', 'Failed')
    en.finish('B', 'Build', 'Lint')
    assert.equal(en.get('B').status, 'Failed')
    en.take()
    const refuse = (target: ExecutionState, stage: string, code: string, pipe = p) =>
      assert.throws(() => newRollbackExecution(pipe, target, stage, { id: 'x', trigger: { triggerType: 'ManualRollback' }, now: en.advance(1) }), (e: EngineRefusal) => e.code === code)
    refuse(en.get('A'), 'Source', 'UnableToRollbackStageException')
    refuse(en.get('B'), 'Build', 'UnableToRollbackStageException')
    refuse(en.get('A'), 'Build', 'PipelineExecutionOutdatedException', { ...p, version: 2 })
    refuse(en.get('A'), 'Nope', 'StageNotFoundException')
    en.all().push(newRollbackExecution(p, en.get('A'), 'Build', { id: 'R', trigger: { triggerType: 'AutomatedRollback', triggerDetail: 'B' }, now: en.advance(1) }))
    en.step()
    assert.deepEqual(en.take(), ['R:Build/Unit', 'R:Build/Lint'], 'the source is not fetched again')
    assert.equal(en.get('R').stages.Build!.actions.Unit!.resolvedConfiguration.EnvironmentVariables, 'good1', 'the target\'s variables')
    assert.deepEqual(en.get('R').stages.Build!.actions.Unit!.inputArtifacts.map((a) => a.key), en.get('A').stages.Build!.actions.Unit!.inputArtifacts.map((a) => a.key), 'the target\'s artifacts')
    for (const a of ['Unit', 'Lint', 'Package']) en.finish('R', 'Build', a)
    assert.equal(en.get('R').status, 'Succeeded', 'a rollback ends with its stage')
    assert.equal(en.get('R').stages.Approve, undefined)
    refuse(en.get('R'), 'Build', 'UnableToRollbackStageException')
  })

  it('refuses a retry once a newer execution ran the stage', () => {
    const p = pipeline('PARALLEL')
    const en = engine(p)
    en.start('A')
    en.finish('A', 'Source', 'Src')
    en.finish('A', 'Build', 'Unit', 'Failed')
    en.finish('A', 'Build', 'Lint')
    en.start('B')
    en.finish('B', 'Source', 'Src')
    assert.throws(() => retryStage(p, en.get('A'), en.all(), 'Build', 'ALL_ACTIONS', en.advance(1)), (e: EngineRefusal) => e.code === 'NotLatestPipelineExecutionException')
  })

  it('checks approval tokens, refuses a second answer, and times approvals out', () => {
    const en = engine(pipeline())
    en.start('A')
    en.finish('A', 'Source', 'Src')
    for (const a of ['Unit', 'Lint', 'Package']) en.finish('A', 'Build', a)
    const token = en.get('A').stages.Approve!.actions.Ok!.token!
    assert.throws(() => answerApproval(en.get('A'), 'Approve', 'Ok', 'wrong', 'Approved', undefined, en.advance(1)), (e: EngineRefusal) => e.code === 'InvalidApprovalTokenException')
    answerApproval(en.get('A'), 'Approve', 'Ok', token, 'Rejected', 'no', en.advance(1))
    assert.throws(() => answerApproval(en.get('A'), 'Approve', 'Ok', token, 'Approved', undefined, en.advance(1)), (e: EngineRefusal) => e.code === 'ApprovalAlreadyCompletedException')
    en.step()
    assert.equal(en.get('A').status, 'Failed')

    en.start('B')
    en.finish('B', 'Source', 'Src')
    for (const a of ['Unit', 'Lint', 'Package']) en.finish('B', 'Build', a)
    en.advance(11 * 60_000)
    en.step()
    assert.equal(en.get('B').stages.Approve!.actions.Ok!.status, 'Failed')
    assert.equal(en.get('B').status, 'Failed')
  })

  it('fails an action whose variable reference cannot be resolved, and cancels on update', () => {
    const p = pipeline()
    p.stages[1]!.groups[0]!.actions[0]!.configuration = { X: '#{SourceVariables.Missing}' }
    const en = engine(p)
    en.start('A')
    en.finish('A', 'Source', 'Src')
    assert.equal(en.get('A').stages.Build!.actions.Unit!.status, 'Failed')
    assert.match(en.get('A').stages.Build!.actions.Unit!.errorDetails!.message, /SourceVariables\.Missing/)
    en.start('B')
    assert.ok(cancelForUpdate(en.get('B'), en.advance(1)))
    assert.equal(en.get('B').status, 'Cancelled')
  })
})
