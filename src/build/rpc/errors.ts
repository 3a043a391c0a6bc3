import { AwsError } from '../../shared/errors.ts'
import { RUNNER_ERRORS } from './protocol.ts'

/** The runner does not hold this build (any more): it must stop working on it and report nothing. */
export class ClaimLost extends AwsError {
  constructor(jobId: string) {
    super(RUNNER_ERRORS.claimLost, `This runner no longer holds ${jobId}: its lease lapsed, or the build ended`, 409)
  }
}

/** A runner id the caller did not register (or one forgotten since): the runner registers again. */
export class UnknownRunner extends AwsError {
  constructor(runnerId: string) {
    super(RUNNER_ERRORS.unknownRunner, `No runner ${runnerId} is registered with this key`, 404)
  }
}
