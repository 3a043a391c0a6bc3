import type { FastifyRequest } from 'fastify'
import type { Clock } from '../infra/clock.ts'
import type { KeyLookup, VerifiedCaller } from './sigv4/verify-request.ts'
import { precheckRequest, verifyRequest } from './sigv4/verify-request.ts'
import { rememberPrincipal } from './request-principal.ts'

/** Verifies a request's SigV4 signature given the body's hex SHA-256; throws the AWS auth errors. */
export type Authenticator = (request: FastifyRequest, payloadHash: string) => Promise<VerifiedCaller>

export function sigv4Authenticator(lookup: KeyLookup, clock: Clock, maxSkewSeconds: number): Authenticator {
  return async (request, payloadHash) => {
    const url = request.raw.url ?? '/'
    const q = url.indexOf('?')
    const caller = await verifyRequest(
      {
        method: request.raw.method ?? 'GET',
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? '' : url.slice(q + 1),
        headers: request.raw.headersDistinct,
        payloadHash,
      },
      lookup,
      clock.now(),
      { maxSkewSeconds },
    )
    rememberPrincipal(request, caller.principal)
    return caller
  }
}

/** Checks, before the body is read, that a request is signed with a known key (see `precheckRequest`). */
export type Precheck = (request: FastifyRequest) => Promise<void>

export function sigv4Precheck(lookup: KeyLookup): Precheck {
  return (request) => {
    const url = request.raw.url ?? '/'
    const q = url.indexOf('?')
    return precheckRequest({ method: request.raw.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: request.raw.headersDistinct }, lookup)
  }
}
