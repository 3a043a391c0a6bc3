/**
 * Artifact flow: output artifact names are valid and unique in the pipeline; every input artifact is
 * produced by an action that runs earlier (an earlier stage, or the same stage with a lower runOrder —
 * which also rules out cycles and self-consumption); a CODEBUILD_CLONE_REF artifact goes only to
 * CodeBuild actions.
 */
import { type ActionSite, ARTIFACT_NAME_PATTERN, duplicates, Problems, runsBefore, Where, where } from './sites.ts'

export function checkArtifacts(sites: readonly ActionSite[], problems: Problems): void {
  const producers = new Map<string, ActionSite[]>()
  for (const site of sites) {
    for (const artifact of site.action.outputArtifacts ?? []) {
      if (typeof artifact.name !== 'string' || !ARTIFACT_NAME_PATTERN.test(artifact.name)) {
        problems.add('ValidationException', `${Where(site)} has output artifact name '${String(artifact.name)}', which is not 1 to 100 characters from a-z, A-Z, 0-9, '_' and '-'`)
      }
      const list = producers.get(artifact.name) ?? []
      list.push(site)
      producers.set(artifact.name, list)
    }
  }
  for (const [name, list] of producers) {
    if (list.length > 1) {
      problems.add('InvalidStructureException', `Output artifact ${name} is produced by more than one action (${list.map(where).join('; ')}). Output artifact names must be unique within a pipeline`)
    }
  }

  for (const site of sites) {
    const inputs = (site.action.inputArtifacts ?? []).map((a) => a.name)
    for (const name of duplicates(inputs)) {
      problems.add('InvalidActionDeclarationException', `${Where(site)} lists input artifact ${name} more than once`)
    }
    for (const name of new Set(inputs)) {
      const producer = producers.get(name)?.[0]
      if (!producer) {
        problems.add('InvalidStructureException', `${Where(site)}: input artifact ${name} is not produced by any earlier action`)
      } else if (producer === site) {
        problems.add('InvalidStructureException', `${Where(site)}: input artifact ${name} is its own output artifact; an action can only consume artifacts of actions that run before it`)
      } else if (!runsBefore(producer, site)) {
        problems.add('InvalidStructureException', `${Where(site)}: input artifact ${name} is produced by ${where(producer)}, which does not run before it (use an earlier stage or a lower runOrder)`)
      } else if (isCloneRef(producer) && !isCodeBuild(site)) {
        problems.add('InvalidActionDeclarationException', `${Where(site)}: input artifact ${name} is a CODEBUILD_CLONE_REF artifact of ${where(producer)}, which only CodeBuild actions can consume`)
      }
    }
  }
}

function isCloneRef(site: ActionSite): boolean {
  return site.action.actionTypeId?.provider === 'CodeCommit' && site.action.configuration?.['OutputArtifactFormat'] === 'CODEBUILD_CLONE_REF'
}

function isCodeBuild(site: ActionSite): boolean {
  return site.action.actionTypeId?.owner === 'AWS' && site.action.actionTypeId.provider === 'CodeBuild'
}
