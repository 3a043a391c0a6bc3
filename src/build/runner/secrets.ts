import type { SubStores } from '../../infra/store.ts'
import type { SecretBox } from '../../infra/crypto/secret-box.ts'

export class MissingSecret extends Error {
  constructor(type: string, reference: string) {
    super(`${type === 'PARAMETER_STORE' ? 'parameter' : 'secret'} does not exist: ${reference}`)
    this.name = 'MissingSecret'
  }
}

/**
 * Resolves PARAMETER_STORE and SECRETS_MANAGER references from Slipway's secret store
 * (`slipway secrets set NAME VALUE`). A Secrets Manager reference `id[:json-key[:stage[:version]]]`
 * reads the secret `id` and, with a json-key, that key of its JSON value.
 */
export function secretResolver(store: Pick<SubStores, 'secrets'>, box: SecretBox) {
  return async (type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string): Promise<string> => {
    if (type === 'PARAMETER_STORE') {
      const sealed = await store.secrets.get(reference)
      if (sealed === undefined) throw new MissingSecret(type, reference)
      return box.open(sealed)
    }
    const arn = /^(arn:aws[\w-]*:secretsmanager:[^:]*:\d*:secret:[^:]+)(?::(.*))?$/.exec(reference)
    const [id, rest] = arn ? [arn[1] ?? '', arn[2] ?? ''] : [reference.split(':')[0] ?? '', reference.split(':').slice(1).join(':')]
    const jsonKey = rest.split(':')[0] ?? ''
    const sealed = await store.secrets.get(id)
    if (sealed === undefined) throw new MissingSecret(type, id)
    const value = box.open(sealed)
    if (!jsonKey) return value
    try {
      const parsed = JSON.parse(value) as Record<string, unknown>
      if (!(jsonKey in parsed)) throw new MissingSecret(type, `${id}:${jsonKey}`)
      return String(parsed[jsonKey])
    } catch (err) {
      if (err instanceof MissingSecret) throw err
      throw new MissingSecret(type, `${id}:${jsonKey} (the secret is not JSON)`)
    }
  }
}
