/** A console session as stored: the SHA-256 of its id (never the id), who it signs in, when it ends. */
export type ConsoleSessionRecord = { idHash: string; principal: string; expiresAt: number }

/** Store port for console sessions. */
export interface ConsoleSessionStore {
  put(session: ConsoleSessionRecord): Promise<void>
  remove(idHash: string): Promise<void>
  /** Sessions still valid at `now`; expired ones are deleted. */
  live(now: number): Promise<ConsoleSessionRecord[]>
}
