import { randomBytes } from 'node:crypto'

/**
 * A random base64url id (version ids, upload ids) that never starts with `-`: the AWS CLI would read
 * `--version-id -abc…` as an option and refuse the command.
 */
export function cliSafeId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}
