import type { StoreSlice, SubStores } from '../../infra/store.ts'
import type { Clock } from '../../infra/clock.ts'
import type { ObjectStore } from '../../artifacts/ports.ts'
import type { KeyCredential } from '../../identity/key-service.ts'

/** The registry context's slice of the store. */
export type RegistryStores = StoreSlice<'registry' | 'events' | 'tags'>
export type RegistryTx = Pick<SubStores, 'registry' | 'events' | 'tags'>

export type RegistryContext = {
  store: RegistryStores
  objects: ObjectStore
  clock: Clock
  region: string
  accountId: string
  /** The object-store bucket that holds every blob and upload chunk. */
  bucket: string
  /** `host:port` of the registry as clients name it (the server's own address). */
  registryHost: () => string
  /** The server's base URL (`http(s)://host:port`), ECR's proxyEndpoint. */
  baseUrl: () => string
  /** Access keys, to issue and verify authorization tokens. */
  lookup: (accessKeyId: string) => Promise<KeyCredential | undefined>
  /** Wakes event consumers after a commit (an image push starts pipelines at once). */
  flush: () => void
}

/** The lock of a repository's manifests and tags. */
export const repositoryLock = (name: string): string => `registry:${name}`
