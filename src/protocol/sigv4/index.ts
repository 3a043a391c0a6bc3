/**
 * AWS Signature Version 4 for every Slipway transport: request verification (header and presigned
 * forms), S3 `aws-chunked` payload decoding, and the CodeCommit git credential-helper password.
 */
export { verifyRequest, MAX_PRESIGNED_EXPIRES, UNSIGNED_PAYLOAD } from './verify-request.ts'
export type { Credential, KeyLookup, SignedRequest, VerifiedCaller, VerifyOptions } from './verify-request.ts'
export { parseAuthorization, parseCredential } from './parse-authorization.ts'
export type { CredentialScope, ParsedAuthorization } from './parse-authorization.ts'
export { sha256Hex, signingKey, formatAmzDate, parseAmzDate } from './signing.ts'
export {
  ChunkedPayloadDecoder,
  chunkSignature,
  decodeChunkedPayload,
  isStreamingPayload,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
} from './chunked-payload.ts'
export type { ChunkSigningContext, ChunkedPayloadOptions } from './chunked-payload.ts'
export { COMMERCIAL_REGIONS, candidateRegions, gitCanonicalRequest, gitPasswordFor, verifyGitPassword } from './git-password.ts'
export type { GitCredentials, VerifiedGitCaller } from './git-password.ts'
