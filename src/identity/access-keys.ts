import { randomBytes } from 'node:crypto'

/** An access key as stored: the secret stays sealed by the master key (see SecretBox). */
export type AccessKeyRecord = {
  accessKeyId: string
  userName: string
  secretSealed: string
  status: 'Active' | 'Inactive'
  createdAt: Date
}

/** Store port for access keys. */
export interface AccessKeyStore {
  insert(key: AccessKeyRecord): Promise<void>
  get(accessKeyId: string): Promise<AccessKeyRecord | undefined>
  list(): Promise<AccessKeyRecord[]>
  /** Returns whether a key was deleted. */
  delete(accessKeyId: string): Promise<boolean>
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** A new AWS-shaped key pair: `AKIA` + 16 characters, and a 40-character secret. */
export function newKeyPair(): { accessKeyId: string; secretAccessKey: string } {
  const id = Array.from(randomBytes(16), (b) => ALNUM[b % 32]).join('')
  const secret = randomBytes(30).toString('base64').replaceAll('+', 'A').replaceAll('/', 'B')
  return { accessKeyId: `AKIA${id}`, secretAccessKey: secret }
}
