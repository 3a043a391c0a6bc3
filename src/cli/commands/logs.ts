import { commandServerAccess } from './server-access.ts'
import type { CommandArgs } from '../main.ts'

/** `slipway logs <build-id> [--follow]`: prints a build's log, following it while it runs. */
export async function logsCommand({ positionals, values }: CommandArgs): Promise<number> {
  const [id] = positionals
  if (!id) {
    process.stderr.write('slipway: usage: slipway logs <build-id> [--follow] [--data-dir DIR] [--endpoint-url URL]\n')
    return 2
  }
  const server = commandServerAccess(values)
  if (!server) return 1
  const res = await fetch(`${server.url}/slipway/builds/${encodeURIComponent(id)}/log${values.follow ? '?follow=true' : ''}`, { headers: { authorization: server.authorization } })
  if (!res.ok || !res.body) {
    process.stderr.write(`slipway: ${res.status} ${await res.text()}`)
    return 1
  }
  for await (const chunk of res.body) process.stdout.write(chunk)
  return 0
}
