import type { AwsError } from '../../shared/errors.ts'

/** Who is calling, established by SigV4 before any handler runs. */
export type CallContext = {
  principal: string
  accessKeyId: string
  requestId: string
  region: string
  /** Aborted when the caller hangs up before its answer (a long poll whose agent died). */
  signal?: AbortSignal
}

export type Handler<I = any, O = unknown> = (input: I, call: CallContext) => Promise<O>

/** A violation found by model validation. */
export type { Violation } from './validate.ts'
import type { Violation } from './validate.ts'

/**
 * One AWS JSON service as Slipway serves it: the API model's name, handlers for the operations
 * implemented, and optionally a service-specific mapping of validation failures to its own exceptions
 * (CodeCommit answers InvalidRepositoryNameException, not ValidationException, for a bad name).
 */
export type AwsJsonService<Ops extends Record<string, { input: unknown; output: unknown }> = Record<string, { input: any; output: any }>> = {
  model: 'codecommit' | 'codebuild' | 'codepipeline' | 'codedeploy' | 'codedeploy-commands' | 'ecr'
  handlers: { [Op in keyof Ops]?: Handler<Ops[Op]['input'], Ops[Op]['output']> }
  mapViolations?: (operation: string, violations: Violation[]) => AwsError | undefined
}
