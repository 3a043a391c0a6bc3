/**
 * Golden tests for the pipeline structure compiler: every `test/fixtures/pipelines/NN-name.json` is a
 * `create-pipeline --cli-input-json` document; its `pipeline` is validated (region us-east-1, the
 * built-in providers plus any `extraProviders` and `existingVersion` from `NN-name.context.json`) and
 * the whole result — errors, or the normalized plan — is compared with `NN-name.expected.json`.
 * `UPDATE_GOLDEN=1` rewrites the expected files; review the diff. The rule table below pins the
 * error each fixture exists for, so a golden cannot drift unnoticed.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PipelineDeclaration } from '../../src/protocol/models/codepipeline.types.ts'
import { BUILT_IN_PROVIDERS, structureErrorToThrow, validatePipeline } from '../../src/pipeline/model/structure/validate-pipeline.ts'
import type { ProviderSpec, StructureErrorCode, ValidationContext, ValidationResult } from '../../src/pipeline/model/structure/types.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/pipelines/', import.meta.url))
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const fixtures = fs.readdirSync(FIXTURES).filter((f) => /^\d\d-[\w-]+\.json$/.test(f) && !/\.(expected|context)\.json$/.test(f)).sort()
const REGION = 'us-east-1'

function load(file: string): { declaration: PipelineDeclaration; context: ValidationContext } {
  const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as { pipeline: PipelineDeclaration }
  const contextFile = path.join(FIXTURES, file.replace(/\.json$/, '.context.json'))
  const extra = fs.existsSync(contextFile) ? (JSON.parse(fs.readFileSync(contextFile, 'utf8')) as { extraProviders?: ProviderSpec[]; existingVersion?: number }) : {}
  return {
    declaration: doc.pipeline,
    context: {
      region: REGION,
      knownProviders: [...BUILT_IN_PROVIDERS, ...(extra.extraProviders ?? [])],
      ...(extra.existingVersion !== undefined && { existingVersion: extra.existingVersion }),
    },
  }
}

function run(file: string): ValidationResult {
  const { declaration, context } = load(file)
  return validatePipeline(declaration, context)
}

const expectedPath = (file: string): string => path.join(FIXTURES, file.replace(/\.json$/, '.expected.json'))

describe('pipeline structure golden files', () => {
  it('has at least 30 fixtures, each with its expected file', () => {
    assert.ok(fixtures.length >= 30, `only ${fixtures.length} fixtures`)
    if (!UPDATE) for (const f of fixtures) assert.ok(fs.existsSync(expectedPath(f)), `${f} has no expected file`)
  })

  for (const file of fixtures) {
    it(file, () => {
      const result = run(file)
      if (UPDATE) fs.writeFileSync(expectedPath(file), `${JSON.stringify(result, null, 2)}\n`)
      else assert.deepEqual(JSON.parse(JSON.stringify(result)), JSON.parse(fs.readFileSync(expectedPath(file), 'utf8')))
      const valid = file.endsWith('-valid.json')
      assert.equal(result.errors.length === 0, valid, valid ? `${file}: ${JSON.stringify(result.errors)}` : `${file} should have errors`)
      assert.equal(result.normalized !== undefined, valid)
    })
  }
})

/** [fixture, code, message pattern]: the problem each invalid fixture was written for. */
const RULES: [string, StructureErrorCode, RegExp][] = [
  ['03-unproduced-input-artifact', 'InvalidStructureException', /^Action Package in stage Deploy: input artifact BuildOuput is not produced by any earlier action$/],
  ['04-artifact-cycle-same-run-order', 'InvalidStructureException', /^Action Package in stage Deploy: input artifact SmokeReport is produced by action Smoke in stage Deploy, which does not run before it/],
  ['04-artifact-cycle-same-run-order', 'InvalidStructureException', /^Action Smoke in stage Deploy: input artifact PackageOutput is produced by action Package in stage Deploy, which does not run before it/],
  ['05-codebuild-without-project-name', 'InvalidActionDeclarationException', /^Action configuration for action Build in stage Build is missing required configuration key ProjectName \(CodeBuild\)$/],
  ['06-source-action-in-stage-2', 'InvalidStructureException', /^Stage Build has a source action, Assets\. Source actions can only be in the first stage$/],
  ['07-only-one-stage', 'InvalidStructureException', /^Pipeline has only 1 stage\(s\)\. There should be a minimum of 2 stages in a pipeline$/],
  ['08-duplicate-stage-name', 'InvalidStructureException', /^Pipeline has more than one stage named Build\. Stage names must be unique within a pipeline$/],
  ['09-duplicate-output-artifact', 'InvalidStructureException', /^Output artifact BuildOutput is produced by more than one action \(action Build in stage Build; action Package in stage Deploy\)/],
  ['10-namespace-clash', 'InvalidStructureException', /^Namespace BuildVariables is declared by more than one action \(action Build in stage Build; action Package in stage Deploy\)/],
  ['10-namespace-clash', 'InvalidStructureException', /^Action Smoke in stage Deploy has namespace BuildOutput, which is also an artifact name/],
  ['10-namespace-clash', 'InvalidActionDeclarationException', /^Action Approve in stage Approve uses the reserved namespace codepipeline/],
  ['11-variable-reference-to-later-action', 'InvalidActionDeclarationException', /^Action Build in stage Build: configuration EnvironmentVariables refers to #\{PackageVariables\.VERSION\}, but namespace PackageVariables belongs to action Package in stage Deploy, which does not run before it/],
  ['11-variable-reference-to-later-action', 'InvalidActionDeclarationException', /^Action Package in stage Deploy: configuration ProjectName refers to #\{SmokeVariables\.SMOKE_RESULT\}, but namespace SmokeVariables belongs to action Smoke in stage Deploy, which does not run before it/],
  ['12-unknown-provider', 'InvalidActionDeclarationException', /^ActionType \(Category: 'Deploy', Provider: 'ECS', Owner: 'AWS', Version: '1'\) in action Package of stage Deploy is not available in region us-east-1: Slipway does not implement this action type; for Deploy actions it implements AWS\/CodeDeploy version 1, AWS\/S3 version 1$/],
  ['13-unknown-configuration-key', 'InvalidActionDeclarationException', /^Action configuration for action Source in stage Source has unknown configuration key Branch; CodeCommit accepts RepositoryName, BranchName, PollForSourceChanges, OutputArtifactFormat$/],
  ['13-unknown-configuration-key', 'InvalidActionDeclarationException', /^Action configuration for action Build in stage Build has unknown configuration key projectname \(did you mean ProjectName\?\)$/],
  ['14-v1-with-v2-features', 'InvalidStructureException', /^Execution mode QUEUED can only be used with V2 pipelines; pipeline static-site is declared with pipelineType V1$/],
  ['14-v1-with-v2-features', 'InvalidStructureException', /^Pipeline-level variables can only be used with V2 pipelines/],
  ['15-approval-timeout-out-of-range', 'InvalidActionDeclarationException', /^Action Approve in stage Approve has timeoutInMinutes 4; it must be a whole number of minutes from 5 to 86400$/],
  ['15-approval-timeout-out-of-range', 'InvalidActionDeclarationException', /^Action Build in stage Build sets timeoutInMinutes, which only Manual approval actions take$/],
  ['16-trigger-on-non-source-action', 'InvalidStructureException', /^Trigger for source action Build: the first stage, Source, has no action named Build: Build is in stage Build, and triggers can only be set on source actions in the first stage$/],
  ['17-parallel-with-rollback', 'InvalidStructureException', /^Stage Deploy has onFailure result ROLLBACK, which is not available in PARALLEL execution mode$/],
  ['18-artifact-counts', 'InvalidActionDeclarationException', /^Action Deploy in stage Deploy declares 2 input artifacts which is more than the maximum count \(1\) for CodeDeploy$/],
  ['18-artifact-counts', 'InvalidActionDeclarationException', /^Action Test in stage Deploy declares 0 input artifacts which is less than the minimum count \(1\) for CodeBuild$/],
  ['18-artifact-counts', 'InvalidActionDeclarationException', /^Action Fetch in stage Source declares 2 output artifacts which is more than the maximum count \(1\) for S3$/],
  ['19-both-artifact-stores', 'InvalidStructureException', /^Pipeline declares both artifactStore and artifactStores; use exactly one of them$/],
  ['20-commands-empty-or-misplaced', 'InvalidActionDeclarationException', /^Action Smoke in stage Deploy must have a non-empty commands field \(1 to 50 commands\)$/],
  ['20-commands-empty-or-misplaced', 'InvalidActionDeclarationException', /^Action Package in stage Deploy has commands, but only Commands actions/],
  ['21-bad-trigger-filters', 'InvalidStructureException', /push\[0\] combines tags with branches/],
  ['21-bad-trigger-filters', 'InvalidStructureException', /push\[1\] has filePaths without branches/],
  ['21-bad-trigger-filters', 'ValidationException', /push\[2\]: branches\.includes has 9 patterns; list 1 to 8$/],
  ['21-bad-trigger-filters', 'ValidationException', /push\[3\]: branches\.includes: pattern 'feature\/\[abc' has a '\[' without a matching '\]'$/],
  ['21-bad-trigger-filters', 'InvalidStructureException', /^More than one trigger names source action Source/],
  ['21-bad-trigger-filters', 'ValidationException', /pullRequest filters are not supported/],
  ['24-custom-action-unknown-version', 'InvalidActionDeclarationException', /^ActionType \(Category: 'Test', Provider: 'SecurityScan', Owner: 'Custom', Version: '1'\) in action Scan of stage Deploy is not available in region us-east-1: no custom action type/],
  ['26-update-from-stale-version', 'InvalidStructureException', /^Pipeline static-site is at version 3, but the update was made from version 2/],
  ['27-invalid-variable-references', 'InvalidActionDeclarationException', /refers to #\{variables\.Region\}, but the pipeline declares no variable named Region$/],
  ['27-invalid-variable-references', 'InvalidActionDeclarationException', /refers to #\{codepipeline\.PipelineName\}, but the codepipeline namespace has only PipelineExecutionId$/],
  ['27-invalid-variable-references', 'InvalidActionDeclarationException', /refers to #\{SourceVariables\.CommitSha\}, but action Source in stage Source \(CodeCommit\) publishes only CommitId, CommitMessage, RepositoryName, BranchName, AuthorDate, CommitterDate$/],
  ['27-invalid-variable-references', 'InvalidActionDeclarationException', /refers to #\{Nowhere\.X\}, but no action declares the namespace Nowhere$/],
  ['27-invalid-variable-references', 'InvalidActionDeclarationException', /refers to #\{Approve\.Result\}, but action Approve in stage Approve \(Manual\) publishes no output variables$/],
  ['28-duplicate-action-and-run-order', 'InvalidStageDeclarationException', /^Stage Deploy has more than one action named Package\. Action names must be unique within a stage$/],
  ['28-duplicate-action-and-run-order', 'InvalidActionDeclarationException', /^Action Smoke in stage Deploy has runOrder 0; runOrder must be an integer from 1 to 999$/],
  ['28-duplicate-action-and-run-order', 'InvalidActionDeclarationException', /^Action Package in stage Deploy has runOrder 1000/],
  ['29-cross-region-action', 'InvalidActionDeclarationException', /^Action Build in stage Build is set to run in region eu-west-1, but this Slipway server serves only us-east-1/],
  ['30-provider-configuration-values', 'InvalidActionDeclarationException', /is missing configuration key ObjectKey, which is required when Extract is false$/],
  ['30-provider-configuration-values', 'InvalidActionDeclarationException', /^Action Bundle in stage Deploy has 2 input artifacts, so configuration PrimarySource is required/],
  ['30-provider-configuration-values', 'InvalidActionDeclarationException', /^Action Bundle in stage Deploy: configuration BatchEnabled is 'yes'; use "true" or "false"$/],
  ['30-provider-configuration-values', 'InvalidActionDeclarationException', /^Action Bundle in stage Deploy: configuration EnvironmentVariables is not a JSON array/],
  ['30-provider-configuration-values', 'InvalidActionDeclarationException', /^Action Publish in stage Deploy: input artifact Extra is a CODEBUILD_CLONE_REF artifact of action Extra in stage Source, which only CodeBuild actions can consume$/],
  ['31-only-source-actions', 'InvalidStructureException', /^Pipeline has only source actions\. A pipeline needs at least one non-source action$/],
  ['32-empty-stage-and-blockers', 'InvalidStageDeclarationException', /^Stage Build has no actions\. A stage must contain 1 to 50 actions$/],
  ['32-empty-stage-and-blockers', 'InvalidBlockerDeclarationException', /^Blocker Freeze in stage Approve has type 'Calendar'; the only blocker type is Schedule$/],
  ['32-empty-stage-and-blockers', 'InvalidBlockerDeclarationException', /^Stage Approve has more than one blocker named Freeze/],
]

describe('pipeline structure rules', () => {
  for (const [fixture, code, pattern] of RULES) {
    it(`${fixture}: ${code} ${pattern.source.slice(0, 70)}`, () => {
      const { errors } = run(`${fixture}.json`)
      assert.ok(
        errors.some((e) => e.code === code && pattern.test(e.message)),
        `no ${code} matching ${pattern}; got:\n${errors.map((e) => `  ${e.code}: ${e.message}`).join('\n')}`,
      )
    })
  }

  it('every invalid fixture is pinned by the rule table', () => {
    const pinned = new Set(RULES.map(([f]) => `${f}.json`))
    for (const f of fixtures) if (!f.endsWith('-valid.json')) assert.ok(pinned.has(f), `${f} has no rule in the table`)
  })
})
