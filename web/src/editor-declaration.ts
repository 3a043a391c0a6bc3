export const pretty = (v: unknown) => JSON.stringify(v, null, 2)

/** Parses the editor's text: the declaration object, or why it is not one (checked before anything is sent). */
export function parseDeclaration(text: string): { value?: Record<string, unknown>; error?: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { error: `The pipeline JSON is not valid: ${(e as Error).message}` }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'The pipeline JSON must be an object: the declaration with name, roleArn, artifactStore and stages' }
  return { value: value as Record<string, unknown> }
}

type Action = { name?: unknown; configuration?: Record<string, unknown> }
type Stage = { name?: unknown; actions?: Action[] }

/** Every action whose configuration has a BranchName (CodeCommit and other repository sources). */
export function branchActions(declaration: Record<string, unknown>): { stage: string; action: string; branch: string }[] {
  const stages = Array.isArray(declaration.stages) ? (declaration.stages as Stage[]) : []
  return stages.flatMap((s) =>
    (Array.isArray(s?.actions) ? s.actions : [])
      .filter((a) => typeof a?.configuration?.BranchName === 'string')
      .map((a) => ({ stage: String(s.name), action: String(a.name), branch: String(a.configuration?.BranchName) })),
  )
}

/** The declaration with one action's BranchName replaced. */
export function withBranch(declaration: Record<string, unknown>, stage: string, action: string, branch: string): Record<string, unknown> {
  const stages = (declaration.stages as Stage[]).map((s) =>
    String(s.name) !== stage ? s : { ...s, actions: s.actions?.map((a) => (String(a.name) !== action ? a : { ...a, configuration: { ...a.configuration, BranchName: branch } })) },
  )
  return { ...declaration, stages }
}
