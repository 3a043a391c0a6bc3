import type { ActionRun, EngineAction, EnginePipeline, ExecutionState } from '../model/execution-types.ts'
import type { ActionOutcome } from '../model/execution-commands.ts'

/** One dispatched action, as a provider sees it. */
export type ActionJob = {
  pipeline: EnginePipeline
  execution: ExecutionState
  stageName: string
  action: EngineAction
  run: ActionRun
}

/** What a provider may tell the engine while its action runs. */
export type ActionReporter = {
  noteExternal(external: { externalExecutionId?: string; externalExecutionUrl?: string; summary?: string }): Promise<void>
}

/**
 * An action provider: a small adapter from CodePipeline's action model to the system that does the
 * work. `run` starts the work and returns the outcome when it is already known, or undefined when
 * completion arrives later (a build finishing, an approval answered, a job worker's result), in which
 * case the provider itself calls the engine. `run` may be called again for the same run after a
 * crash: it must be idempotent per `run.actionExecutionId`. `check`, when given, is polled for runs
 * still in progress and returns their outcome once known (a safety net for missed events).
 */
export interface ActionProvider {
  matches(action: EngineAction): boolean
  run(job: ActionJob, report: ActionReporter): Promise<ActionOutcome | undefined>
  check?(job: ActionJob): Promise<ActionOutcome | undefined>
}

export const providerId = (a: Pick<EngineAction, 'category' | 'owner' | 'provider' | 'version'>) => `${a.category}/${a.owner}/${a.provider}/${a.version}`
