import type { StoreSlice, SubStores } from '../infra/store.ts'
import type { SecretBox } from '../infra/crypto/secret-box.ts'
import type { Clock } from '../infra/clock.ts'
import { newKeyPair } from './access-keys.ts'

export type KeyPair = { accessKeyId: string; secretAccessKey: string }
export type KeySummary = { accessKeyId: string; userName: string; status: string; createdAt: Date }
/** What a verifier needs to check a signature made with a key. */
export type KeyCredential = { accessKeyId: string; secretAccessKey: string; principal: string }

/** Access keys: created, listed, deleted; secrets sealed at rest and opened only to verify. */
export class KeyService {
  readonly #store: StoreSlice<'keys'>
  readonly #box: SecretBox
  readonly #clock: Clock

  constructor(store: StoreSlice<'keys'>, box: SecretBox, clock: Clock) {
    this.#store = store
    this.#box = box
    this.#clock = clock
  }

  async create(userName = 'root', store: Pick<SubStores, 'keys'> = this.#store): Promise<KeyPair> {
    const pair = newKeyPair()
    await store.keys.insert({
      accessKeyId: pair.accessKeyId,
      userName,
      secretSealed: this.#box.seal(pair.secretAccessKey),
      status: 'Active',
      createdAt: this.#clock.now(),
    })
    return pair
  }

  async list(): Promise<KeySummary[]> {
    return (await this.#store.keys.list()).map(({ accessKeyId, userName, status, createdAt }) => ({ accessKeyId, userName, status, createdAt }))
  }

  delete(accessKeyId: string): Promise<boolean> {
    return this.#store.keys.delete(accessKeyId)
  }

  /** The key's secret for signature verification, or undefined when unknown or inactive. */
  readonly lookup = async (accessKeyId: string): Promise<KeyCredential | undefined> => {
    const key = await this.#store.keys.get(accessKeyId)
    if (!key || key.status !== 'Active') return undefined
    return { accessKeyId, secretAccessKey: this.#box.open(key.secretSealed), principal: key.userName }
  }

  /** The first root key, created when the store has none (first start). */
  async rootKey(): Promise<KeyPair> {
    // Under a lock: servers starting together on one store make one root key.
    return this.#store.transaction(async (tx) => {
      const root = (await tx.keys.list()).find((k) => k.userName === 'root' && k.status === 'Active')
      if (!root) return this.create('root', tx)
      return { accessKeyId: root.accessKeyId, secretAccessKey: this.#box.open(root.secretSealed) }
    }, { lock: 'identity:root-key' })
  }
}
