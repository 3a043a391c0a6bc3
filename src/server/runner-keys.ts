import type { Authenticator } from '../protocol/authenticate.ts'
import type { KeyLookup } from '../protocol/sigv4/verify-request.ts'
import { AwsError } from '../shared/errors.ts'
import { isRunnerPrincipal } from '../build/rpc/protocol.ts'

/** SigV4 for the AWS APIs: a runner key is a valid key, but may call nothing there. */
export function userKeysOnly(authenticate: Authenticator): Authenticator {
  return async (request, payloadHash) => {
    const caller = await authenticate(request, payloadHash)
    if (isRunnerPrincipal(caller.principal)) {
      throw new AwsError('AccessDeniedException', `User: ${caller.principal} is not authorized to perform this action: a runner key can only run builds (the runner protocol)`, 403)
    }
    return caller
  }
}

/** Key lookup for git, S3, logs and the console: runner keys do not exist there. */
export function userKeyLookup(lookup: KeyLookup): KeyLookup {
  return async (accessKeyId) => {
    const key = await lookup(accessKeyId)
    return key && !isRunnerPrincipal(key.principal) ? key : undefined
  }
}
