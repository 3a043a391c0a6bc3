/**
 * The appspec of a deployment archive, as the agent runs it: read from disk and compiled by the deploy
 * model's `parseAppSpec` (every problem with its line and column), refused when it targets another OS.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describeAppSpecProblems, parseAppSpec } from '../deploy/model/appspec.ts'
import type { AppSpec, AppSpecPermission, HookScript } from '../deploy/model/appspec.ts'
import { processYamlLimits } from '../shared/input-limits.ts'

export type AgentAppSpec = AppSpec
export type PermissionSpec = AppSpecPermission

export class AppSpecError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AppSpecError'
  }
}

/** The OS this agent deploys to, in appspec terms. */
const HOST_OS = process.platform === 'win32' ? 'windows' : 'linux'

/** Reads and compiles `<archive>/<filename>`; throws `AppSpecError` with the parser's messages and positions. */
export function loadAppSpec(archiveDir: string, filename = 'appspec.yml'): AgentAppSpec {
  const file = path.join(archiveDir, filename)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    throw new AppSpecError(`The deployment failed because the revision has no ${filename} at its root`)
  }
  const result = parseAppSpec(text, processYamlLimits())
  if (!result.spec) throw new AppSpecError(`The deployment failed because ${filename} is invalid:\n${describeAppSpecProblems(result.errors, filename)}`)
  if (result.spec.os !== HOST_OS) throw new AppSpecError(`The deployment failed because ${filename} targets os: ${result.spec.os}, but this host runs ${HOST_OS}`)
  return result.spec
}

/** The scripts an appspec lists for an event (none for events it does not mention). */
export function scriptsFor(spec: AgentAppSpec, event: string): readonly HookScript[] {
  return (spec.hooks as Readonly<Record<string, readonly HookScript[] | undefined>>)[event] ?? []
}
