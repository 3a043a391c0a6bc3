/**
 * Who a request was authenticated as, remembered by the transport that authenticated it, for the
 * request log (`--log-level debug`). Never used for authorisation.
 */
const principals = new WeakMap<object, string>()

export function rememberPrincipal(request: { raw: object }, principal: string): void {
  principals.set(request.raw, principal)
}

export function principalOfRequest(request: { raw: object }): string | undefined {
  return principals.get(request.raw)
}
