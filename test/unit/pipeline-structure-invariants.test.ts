/**
 * Properties of the structure compiler that golden files do not show well: the plan is deep-frozen
 * and deterministic, versions, pipeline-type inference, the built-in provider table, limits that need
 * big inputs, and how the service turns errors into one exception.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import type { ActionDeclaration, PipelineDeclaration } from '../../src/protocol/models/codepipeline.types.ts'
import { BUILT_IN_PROVIDERS, structureErrorToThrow, validatePipeline } from '../../src/pipeline/model/structure/validate-pipeline.ts'
import type { ValidationContext } from '../../src/pipeline/model/structure/types.ts'

const CONTEXT: ValidationContext = { region: 'us-east-1', knownProviders: BUILT_IN_PROVIDERS }

function seed(): PipelineDeclaration {
  const url = new URL('../fixtures/pipelines/01-seed-valid.json', import.meta.url)
  return (JSON.parse(fs.readFileSync(url, 'utf8')) as { pipeline: PipelineDeclaration }).pipeline
}

function build(name: string, input: string, output?: string): ActionDeclaration {
  return {
    name,
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    configuration: { ProjectName: name },
    inputArtifacts: [{ name: input }],
    ...(output && { outputArtifacts: [{ name: output }] }),
  }
}

function messages(declaration: PipelineDeclaration, context: ValidationContext = CONTEXT): string[] {
  return validatePipeline(declaration, context).errors.map((e) => e.message)
}

describe('normalized pipeline', () => {
  it('is deep-frozen', () => {
    const { normalized } = validatePipeline(seed(), CONTEXT)
    assert.ok(normalized)
    const action = normalized.stages[3]?.groups[0]?.actions[0]
    assert.ok(action)
    for (const value of [normalized, normalized.stages, normalized.stages[3], action, action.configuration, action.inputArtifacts, normalized.triggers[0]?.push, normalized.artifactStores]) {
      assert.ok(Object.isFrozen(value))
    }
    assert.throws(() => (normalized.stages as unknown as unknown[]).push(1))
  })

  it('does not share objects with the declaration', () => {
    const declaration = seed()
    const { normalized } = validatePipeline(declaration, CONTEXT)
    const stage = declaration.stages[1]
    const first = stage?.actions[0]
    assert.ok(first?.configuration)
    first.configuration['ProjectName'] = 'changed-after-validation'
    assert.equal(normalized?.stages[1]?.groups[0]?.actions[0]?.configuration['ProjectName'], 'seed-app-build')
  })

  it('is deterministic and leaves the declaration untouched', () => {
    const declaration = seed()
    const before = JSON.stringify(declaration)
    assert.deepEqual(validatePipeline(declaration, CONTEXT), validatePipeline(declaration, CONTEXT))
    assert.equal(JSON.stringify(declaration), before)
  })

  it('is version 1 on create and existing + 1 on update; a matching version in the request is fine', () => {
    assert.equal(validatePipeline(seed(), CONTEXT).normalized?.version, 1)
    assert.equal(validatePipeline({ ...seed(), version: 4 }, { ...CONTEXT, existingVersion: 4 }).normalized?.version, 5)
    assert.equal(validatePipeline(seed(), { ...CONTEXT, existingVersion: 4 }).normalized?.version, 5)
  })

  it('infers V2 from V2 features when pipelineType is omitted, and defaults to V1/SUPERSEDED otherwise', () => {
    const v2 = seed()
    delete v2.pipelineType
    assert.equal(validatePipeline(v2, CONTEXT).normalized?.pipelineType, 'V2')
    const plain = seed()
    delete plain.pipelineType
    delete plain.executionMode
    delete plain.variables
    delete plain.triggers
    for (const stage of plain.stages) for (const action of stage.actions) if (action.configuration) for (const [k, v] of Object.entries(action.configuration)) action.configuration[k] = v.replace(/#\{variables\.DeployEnv\}/g, 'staging')
    const smoke = plain.stages[3]?.actions[1]
    assert.ok(smoke)
    delete smoke.environmentVariables
    const result = validatePipeline(plain, CONTEXT)
    assert.deepEqual(result.errors, [])
    assert.equal(result.normalized?.pipelineType, 'V1')
    assert.equal(result.normalized?.executionMode, 'SUPERSEDED')
  })

  it('keys a single artifactStore by the service region', () => {
    const { normalized } = validatePipeline(seed(), { ...CONTEXT, region: 'eu-central-1' })
    assert.deepEqual(Object.keys(normalized?.artifactStores ?? {}), ['eu-central-1'])
  })
})

describe('built-in providers', () => {
  it('lists the ten action types Slipway runs, each once, frozen', () => {
    const keys = BUILT_IN_PROVIDERS.map((p) => `${p.category}/${p.owner}/${p.provider}/${p.version}`)
    assert.deepEqual(keys, [
      'Source/AWS/CodeCommit/1', 'Source/AWS/S3/1', 'Source/AWS/ECR/1', 'Build/AWS/CodeBuild/1', 'Build/AWS/ECRBuildAndPublish/1', 'Test/AWS/CodeBuild/1',
      'Approval/AWS/Manual/1', 'Deploy/AWS/CodeDeploy/1', 'Deploy/AWS/S3/1', 'Compute/AWS/Commands/1',
    ])
    assert.ok(Object.isFrozen(BUILT_IN_PROVIDERS) && BUILT_IN_PROVIDERS.every((p) => Object.isFrozen(p)))
  })

  it('an action type missing from knownProviders is unknown even if built in', () => {
    const errors = validatePipeline(seed(), { ...CONTEXT, knownProviders: BUILT_IN_PROVIDERS.filter((p) => p.provider !== 'Commands') }).errors
    assert.equal(errors.length, 1)
    assert.match(errors[0]?.message ?? '', /^ActionType \(Category: 'Compute', Provider: 'Commands', Owner: 'AWS', Version: '1'\) in action Smoke of stage Deploy .*Slipway does not implement this action type$/)
  })
})

describe('limits and edge rules', () => {
  it('refuses more than 50 stages and more than 50 actions in a stage', () => {
    const declaration = seed()
    const many = Array.from({ length: 50 }, (_, i) => ({ name: `S${i}`, actions: [build(`B${i}`, 'SourceOutput')] }))
    declaration.stages.push(...many)
    assert.ok(messages(declaration).includes('Pipeline has 54 stages. There can be at most 50 stages in a pipeline'))
    const wide = seed()
    wide.stages[1]?.actions.push(...Array.from({ length: 50 }, (_, i) => build(`Extra${i}`, 'SourceOutput')))
    assert.ok(messages(wide).includes('Stage Build has 51 actions. A stage can contain at most 50 actions'))
  })

  it('accepts runOrder gaps and same-stage producers with a lower runOrder', () => {
    const declaration = seed()
    const stage = declaration.stages[1]
    assert.ok(stage)
    stage.actions = [{ ...build('Late', 'Mid', 'Final'), runOrder: 900 }, { ...build('Early', 'SourceOutput', 'Mid'), runOrder: 3 }, ...stage.actions]
    assert.deepEqual(validatePipeline(declaration, CONTEXT).errors, [])
  })

  it('a reference inside a value skips that value\'s provider rules', () => {
    const declaration = seed()
    const source = declaration.stages[0]?.actions[0]
    assert.ok(source?.configuration)
    declaration.variables?.push({ name: 'Poll', defaultValue: 'false' })
    source.configuration['PollForSourceChanges'] = '#{variables.Poll}'
    assert.deepEqual(validatePipeline(declaration, CONTEXT).errors, [])
  })

  it('checks configuration key and value lengths', () => {
    const declaration = seed()
    const approve = declaration.stages[2]?.actions[0]
    assert.ok(approve?.configuration)
    approve.configuration['CustomData'] = 'x'.repeat(1001)
    assert.ok(messages(declaration).includes('Action Approve in stage Approve: configuration value of CustomData is 1001 characters; values must be 1 to 1000 characters'))
  })

  it('rejects triggers on an S3 source action', () => {
    const declaration = seed()
    declaration.stages[0]?.actions.push({
      name: 'Assets', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
      configuration: { S3Bucket: 'a', S3ObjectKey: 'a.zip' }, outputArtifacts: [{ name: 'Assets' }],
    })
    declaration.triggers?.push({ providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'Assets' } })
    assert.deepEqual(messages(declaration), ['Trigger for source action Assets: Assets is a source action of provider S3; triggers can only be set on CodeCommit or CodeStarSourceConnection source actions'])
  })

  it('rejects a non-source action in the first stage, naming it', () => {
    const declaration = seed()
    declaration.stages[0]?.actions.push({ name: 'Gate', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' }, runOrder: 2 })
    assert.deepEqual(messages(declaration), ['Stage Source has a non-source action, Gate (Approval). The first stage can contain only source actions'])
  })

  it('rejects an invalid pipeline name and a declaration without stages', () => {
    assert.match(messages({ ...seed(), name: 'has space' })[0] ?? '', /^Pipeline name 'has space' is invalid/)
    const broken = { name: 'x', roleArn: 'r' } as unknown as PipelineDeclaration
    assert.deepEqual(validatePipeline(broken, CONTEXT).errors, [{ code: 'ValidationException', message: 'Pipeline declaration must be an object with a stages list' }])
  })

  it('requires artifactStores to include the service region', () => {
    const declaration = seed()
    delete declaration.artifactStore
    declaration.artifactStores = { 'eu-west-1': { type: 'S3', location: 'bucket' } }
    assert.deepEqual(messages(declaration), ["artifactStores has no artifact store for the pipeline's region us-east-1"])
  })
})

describe('structureErrorToThrow', () => {
  it('is the first problem, counting the rest', () => {
    assert.equal(structureErrorToThrow([]), undefined)
    const one = { code: 'InvalidStructureException' as const, message: 'A' }
    assert.deepEqual(structureErrorToThrow([one]), one)
    assert.deepEqual(structureErrorToThrow([one, { code: 'ValidationException', message: 'B' }, one]), { code: 'InvalidStructureException', message: 'A (and 2 more problems)' })
  })
})
