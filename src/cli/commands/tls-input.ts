import type { ConfigInput } from '../../config/config.ts'
import type { CommandArgs } from '../main.ts'

/** `--tls`, `--no-tls`, `--tls-cert`, `--tls-key` as configuration input (unset ones left to the environment). */
export function tlsInput(values: CommandArgs['values']): Pick<ConfigInput, 'tls' | 'tlsCert' | 'tlsKey'> {
  const cert = values['tls-cert'] as string | undefined
  const key = values['tls-key'] as string | undefined
  const flag = values['no-tls'] === true ? false : values.tls === true ? true : undefined
  return { ...(flag !== undefined ? { tls: flag } : {}), ...(cert !== undefined ? { tlsCert: cert } : {}), ...(key !== undefined ? { tlsKey: key } : {}) }
}
