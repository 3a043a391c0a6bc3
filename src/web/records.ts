/**
 * A console session as stored: the SHA-256 of its id (never the id), who it signs in, the access key
 * that opened it (the session ends with the key), when it ends.
 */
export type ConsoleSessionRecord = { idHash: string; principal: string; accessKeyId: string; expiresAt: number }

/** Who a login link signs in: the principal and the key that asked for the link. */
export type LoginGrant = { principal: string; accessKeyId: string }

/** Store port for console sessions and one-time login links (hashes only). */
export interface ConsoleSessionStore {
  put(session: ConsoleSessionRecord): Promise<void>
  remove(idHash: string): Promise<void>
  /** A session still valid at `now`. */
  get(idHash: string, now: number): Promise<ConsoleSessionRecord | undefined>
  /** Sessions still valid at `now`; expired ones are deleted. */
  live(now: number): Promise<ConsoleSessionRecord[]>
  addLoginToken(tokenHash: string, grant: LoginGrant, expiresAt: number): Promise<void>
  /** The token's grant, once per unexpired token: redeeming deletes it. */
  redeemLoginToken(tokenHash: string, now: number): Promise<LoginGrant | undefined>
  /** Deletes expired sessions and login tokens. */
  prune(now: number): Promise<void>
}
