import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SerializationException, ValidationException } from '../../src/shared/errors.ts'
import { loadServiceModel, type ServiceName } from '../../src/protocol/aws-json/service-model.ts'
import { compileJavaPattern, validateInput, validationViolations } from '../../src/protocol/aws-json/validate.ts'

type Case = {
  name: string
  service: ServiceName
  op: string
  body: unknown
  /** Expected outcome: accepted, or the exception class and its exact message. */
  expect: 'ok' | { validation: string } | { serialization: string }
}

const REPO_PATTERN = 'Member must satisfy regular expression pattern: [\\w\\.-]+'
const REPO_CONSTRAINTS = `[Member must have length less than or equal to 100, Member must have length greater than or equal to 1, ${REPO_PATTERN}]`
const ACTION_TYPE = { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }
const pipeline = (extra: Record<string, unknown>) => ({
  pipeline: {
    name: 'p',
    roleArn: 'arn:aws:iam::123456789012:role/pipeline',
    stages: [{ name: 'Source', actions: [{ name: 'Checkout', actionTypeId: ACTION_TYPE }] }],
    ...extra,
  },
})
const project = (extra: Record<string, unknown>) => ({
  name: 'my-project',
  source: { type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases: {}\n' },
  artifacts: { type: 'NO_ARTIFACTS' },
  environment: { type: 'LINUX_CONTAINER', image: 'alpine', computeType: 'BUILD_GENERAL1_SMALL' },
  serviceRole: 'arn:aws:iam::123456789012:role/build',
  ...extra,
})

const cases: Case[] = [
  // CodeCommit CreateRepository: required, length, pattern, maps, unknown members, wrong types
  { name: 'valid repository name', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'my-repo.v2_x' }, expect: 'ok' },
  { name: 'unknown members are ignored', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'r', bogus: { deep: [1] } }, expect: 'ok' },
  { name: 'null counts as absent', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'r', repositoryDescription: null }, expect: 'ok' },
  { name: 'missing name', service: 'codecommit', op: 'CreateRepository', body: {},
    expect: { validation: "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null" } },
  { name: 'empty body', service: 'codecommit', op: 'CreateRepository', body: undefined,
    expect: { validation: "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null" } },
  { name: 'null name', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: null },
    expect: { validation: "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null" } },
  { name: '__proto__ in the body is just an unknown member', service: 'codecommit', op: 'CreateRepository',
    body: JSON.parse('{"__proto__": {"repositoryName": "x"}}'),
    expect: { validation: "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null" } },
  { name: 'bad pattern', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'my repo' },
    expect: { validation: `1 validation error detected: Value 'my repo' at 'repositoryName' failed to satisfy constraint: ${REPO_PATTERN}` } },
  { name: 'too long', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'a'.repeat(101) },
    expect: { validation: `1 validation error detected: Value '${'a'.repeat(101)}' at 'repositoryName' failed to satisfy constraint: Member must have length less than or equal to 100` } },
  { name: 'empty name breaks two constraints', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: '' },
    expect: { validation: "2 validation errors detected: Value '' at 'repositoryName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
      `Value '' at 'repositoryName' failed to satisfy constraint: ${REPO_PATTERN}` } },
  { name: 'map key too short', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'r', tags: { '': 'x', team: 'a' } },
    expect: { validation: "1 validation error detected: Value '{=x, team=a}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]" } },
  { name: 'map value too long', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'r', tags: { k: 'v'.repeat(257) } },
    expect: { validation: `1 validation error detected: Value '{k=${'v'.repeat(257)}}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]` } },
  { name: 'number for a string', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 5 },
    expect: { serialization: 'NUMBER_VALUE can not be converted to a String' } },
  { name: 'boolean for a string', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: true },
    expect: { serialization: 'TRUE_VALUE can not be converted to a String' } },
  { name: 'object for a string', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: { a: 1 } },
    expect: { serialization: 'Start of structure or map found where not expected' } },
  { name: 'array for a map', service: 'codecommit', op: 'CreateRepository', body: { repositoryName: 'r', tags: [] },
    expect: { serialization: 'Start of list found where not expected' } },
  { name: 'array as the whole body', service: 'codecommit', op: 'CreateRepository', body: [],
    expect: { serialization: 'Start of list found where not expected' } },
  { name: 'scalar list element constraint reported once at the list', service: 'codecommit', op: 'BatchGetRepositories',
    body: { repositoryNames: ['ok', 'bad name', 'also bad'] },
    expect: { validation: `1 validation error detected: Value '[ok, bad name, also bad]' at 'repositoryNames' failed to satisfy constraint: Member must satisfy constraint: ${REPO_CONSTRAINTS}` } },
  { name: 'number in a string list', service: 'codecommit', op: 'BatchGetRepositories', body: { repositoryNames: ['ok', 1.5] },
    expect: { serialization: 'DECIMAL_VALUE can not be converted to a String' } },
  { name: 'string for an integer (capitalised member)', service: 'codecommit', op: 'GetDifferences',
    body: { repositoryName: 'r', afterCommitSpecifier: 'main', MaxResults: '5' },
    expect: { serialization: 'STRING_VALUE can not be converted to an Integer' } },
  { name: 'capitalised member paths start lower-case', service: 'codepipeline', op: 'ListWebhooks', body: { MaxResults: 0 },
    expect: { validation: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1" } },
  { name: 'blob must be base64', service: 'codecommit', op: 'PutFile',
    body: { repositoryName: 'r', branchName: 'main', filePath: 'a.txt', fileContent: 'abc' },
    expect: { serialization: 'Base64 encoded length is expected a multiple of 4 bytes but found: 3' } },
  { name: 'blob must be a string', service: 'codecommit', op: 'PutFile',
    body: { repositoryName: 'r', branchName: 'main', filePath: 'a.txt', fileContent: 12 },
    expect: { serialization: 'only base-64-encoded strings are convertible to bytes' } },
  { name: 'valid blob', service: 'codecommit', op: 'PutFile',
    body: { repositoryName: 'r', branchName: 'main', filePath: 'a.txt', fileContent: Buffer.from('hello').toString('base64') }, expect: 'ok' },

  // CodeBuild CreateProject: nested required members, numeric ranges, sensitive values
  { name: 'valid project', service: 'codebuild', op: 'CreateProject', body: project({ timeoutInMinutes: 60 }), expect: 'ok' },
  { name: 'nested required members', service: 'codebuild', op: 'CreateProject',
    body: project({ source: {}, environment: { type: 'LINUX_CONTAINER', image: 'alpine', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [{ name: 'A', value: '1' }, { name: 'B' }] } }),
    expect: { validation: "2 validation errors detected: Value null at 'environment.environmentVariables.2.member.value' failed to satisfy constraint: Member must not be null; " +
      "Value null at 'source.type' failed to satisfy constraint: Member must not be null" } },
  { name: 'every violation, members in alphabetical order', service: 'codebuild', op: 'CreateProject', body: { name: 'p' },
    expect: { validation: '6 validation errors detected: ' + [
      "Value null at 'artifacts' failed to satisfy constraint: Member must not be null",
      "Value null at 'environment' failed to satisfy constraint: Member must not be null",
      "Value 'p' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2",
      "Value 'p' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,149}",
      "Value null at 'serviceRole' failed to satisfy constraint: Member must not be null",
      "Value null at 'source' failed to satisfy constraint: Member must not be null",
    ].join('; ') } },
  { name: 'integer below its minimum', service: 'codebuild', op: 'CreateProject', body: project({ timeoutInMinutes: 1 }),
    expect: { validation: "1 validation error detected: Value '1' at 'timeoutInMinutes' failed to satisfy constraint: Member must have value greater than or equal to 5" } },
  { name: 'integer above its maximum', service: 'codebuild', op: 'CreateProject', body: project({ queuedTimeoutInMinutes: 481 }),
    expect: { validation: "1 validation error detected: Value '481' at 'queuedTimeoutInMinutes' failed to satisfy constraint: Member must have value less than or equal to 480" } },
  { name: 'fraction for an integer', service: 'codebuild', op: 'CreateProject', body: project({ timeoutInMinutes: 5.5 }),
    expect: { serialization: 'DECIMAL_VALUE can not be converted to an Integer' } },
  { name: 'integer out of int32 range', service: 'codebuild', op: 'CreateProject', body: project({ timeoutInMinutes: 2 ** 31 }),
    expect: { serialization: 'NUMBER_VALUE can not be converted to an Integer' } },
  { name: 'string for a boolean', service: 'codebuild', op: 'CreateProject', body: project({ badgeEnabled: 'true' }),
    expect: { serialization: 'STRING_VALUE can not be converted to a Boolean' } },
  { name: 'enum in CodeBuild', service: 'codebuild', op: 'CreateProject', body: project({ artifacts: { type: 'ZIP' } }),
    expect: { validation: "1 validation error detected: Value 'ZIP' at 'artifacts.type' failed to satisfy constraint: Member must satisfy enum value set: [CODEPIPELINE, S3, NO_ARTIFACTS]" } },
  { name: 'unicode pattern (\\p{L}) accepts letters', service: 'codebuild', op: 'CreateProject',
    body: project({ tags: [{ key: 'équipe', value: 'données 1' }] }), expect: 'ok' },
  { name: 'unicode pattern (\\p{L}) rejects symbols', service: 'codebuild', op: 'CreateProject',
    body: project({ tags: [{ key: 'team!', value: 'a' }] }),
    expect: { validation: "1 validation error detected: Value 'team!' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=@+\\-]*)$" } },
  { name: 'sensitive values are not shown', service: 'codebuild', op: 'ImportSourceCredentials',
    body: { token: '', serverType: 'GITHUB', authType: 'PERSONAL_ACCESS_TOKEN' },
    expect: { validation: "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length greater than or equal to 1" } },

  // CodePipeline: enums and patterns deep in lists, maps of structures, wrong collection types
  { name: 'valid pipeline', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({}), expect: 'ok' },
  { name: 'enum deep in lists', service: 'codepipeline', op: 'CreatePipeline',
    body: pipeline({ stages: [{ name: 'Source', actions: [{ name: 'Checkout', actionTypeId: { ...ACTION_TYPE, category: 'Compile' } }] }] }),
    expect: { validation: "1 validation error detected: Value 'Compile' at 'pipeline.stages.1.member.actions.1.member.actionTypeId.category' failed to satisfy constraint: Member must satisfy enum value set: [Source, Build, Deploy, Test, Invoke, Approval, Compute]" } },
  { name: 'pattern and enum in two stages', service: 'codepipeline', op: 'CreatePipeline',
    body: pipeline({ stages: [
      { name: 'Source', actions: [{ name: 'Checkout', actionTypeId: ACTION_TYPE }] },
      { name: 'Bad stage', actions: [{ name: 'Build', actionTypeId: { ...ACTION_TYPE, owner: 'Me' } }] },
    ] }),
    expect: { validation: "2 validation errors detected: Value 'Me' at 'pipeline.stages.2.member.actions.1.member.actionTypeId.owner' failed to satisfy constraint: Member must satisfy enum value set: [AWS, ThirdParty, Custom]; " +
      "Value 'Bad stage' at 'pipeline.stages.2.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+" } },
  { name: 'map of structures', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({ artifactStores: { 'us-east-1': { type: 'S3' } } }),
    expect: { validation: "1 validation error detected: Value null at 'pipeline.artifactStores.us-east-1.member.location' failed to satisfy constraint: Member must not be null" } },
  { name: 'null list element', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({ stages: [null] }),
    expect: { validation: "1 validation error detected: Value null at 'pipeline.stages.1.member' failed to satisfy constraint: Member must not be null" } },
  { name: 'object for a list', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({ stages: {} }),
    expect: { serialization: 'Start of structure or map found where not expected' } },
  { name: 'string for a list', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({ stages: 'x' }),
    expect: { serialization: 'Unexpected field type' } },
  { name: 'string for a structure in a list', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({ stages: ['x'] }),
    expect: { serialization: 'Unexpected value type in payload' } },
  { name: 'role ARN pattern', service: 'codepipeline', op: 'CreatePipeline', body: pipeline({ roleArn: 'arn:aws:iam::123:role/x' }),
    expect: { validation: "1 validation error detected: Value 'arn:aws:iam::123:role/x' at 'pipeline.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[\\w]+)*:iam::[0-9]{12}:role/.*" } },

  // CodeDeploy: timestamps in inputs
  { name: 'timestamp as epoch seconds', service: 'codedeploy', op: 'ListDeployments', body: { createTimeRange: { start: 1548717462.122 } }, expect: 'ok' },
  { name: 'timestamp as ISO-8601', service: 'codedeploy', op: 'ListDeployments', body: { createTimeRange: { end: '2019-01-28T23:17:42.122Z' } }, expect: 'ok' },
  { name: 'timestamp as prose', service: 'codedeploy', op: 'ListDeployments', body: { createTimeRange: { end: 'yesterday' } },
    expect: { serialization: 'STRING_VALUE can not be converted to a Timestamp' } },
  { name: 'timestamp as boolean', service: 'codedeploy', op: 'ListDeployments', body: { createTimeRange: { end: false } },
    expect: { serialization: 'FALSE_VALUE can not be converted to a Timestamp' } },
]

describe('validateInput against the real models', () => {
  for (const c of cases) {
    it(`${c.service} ${c.op}: ${c.name}`, () => {
      const model = loadServiceModel(c.service)
      const run = () => validateInput(model, c.op, c.body)
      if (c.expect === 'ok') return run()
      if ('validation' in c.expect) {
        assert.throws(run, (e: unknown) => e instanceof ValidationException && e.code === 'ValidationException' && e.status === 400)
        assert.throws(run, { message: c.expect.validation })
      } else {
        assert.throws(run, (e: unknown) => e instanceof SerializationException && e.code === 'SerializationException')
        assert.throws(run, { message: c.expect.serialization })
      }
    })
  }
})

describe('validationViolations', () => {
  it('gives path and kind of each violation, so services can map them to their own exceptions', () => {
    const model = loadServiceModel('codecommit')
    const violations = validationViolations(model, 'CreateRepository', { repositoryName: '', tags: { '': 'x' } })
    assert.deepEqual(violations.map((v) => [v.path, v.constraint]), [
      ['repositoryName', 'length'],
      ['repositoryName', 'pattern'],
      ['tags', 'length'],
    ])
  })

  it('is empty for a valid body and for an input without members', () => {
    assert.deepEqual(validationViolations(loadServiceModel('codecommit'), 'CreateRepository', { repositoryName: 'r' }), [])
    assert.deepEqual(validationViolations(loadServiceModel('codebuild'), 'ListCuratedEnvironmentImages', { anything: 1 }), [])
  })

  it('rejects an operation the model does not define (a routing bug)', () => {
    assert.throws(() => validationViolations(loadServiceModel('codecommit'), 'constructor', {}), /has no operation constructor/)
  })
})

describe('compileJavaPattern', () => {
  const table: [pattern: string, value: string, matches: boolean | null][] = [
    ['[\\w\\.-]+', 'a.b-c_d', true],
    ['[\\w\\.-]+', 'a b', false],
    ['[0-9]{12}', '1234567890123', false], // anchored: the whole value must match
    ['^([\\p{L}\\p{Z}\\p{N}_.:/=@+\\-]*)$', 'équipe 1', true],
    ['\\p{Alpha}++', 'abc', true], // possessive quantifier
    ['(?>ab)c', 'abc', true], // atomic group
    ['\\A[a-z]+\\z', 'abc', true],
    ['[\\_a]+', '_a', true], // Java-only identity escape: compiled without the u flag
    ['(unclosed', 'x', null], // cannot be compiled: skipped
  ]
  for (const [pattern, value, matches] of table) {
    it(`${pattern} ${matches === null ? 'is skipped' : matches ? 'matches' : 'rejects'} ${JSON.stringify(value)}`, () => {
      const regex = compileJavaPattern(pattern)
      assert.equal(regex === null ? null : regex.test(value), matches)
    })
  }

  it('compiles every pattern in the four models', () => {
    for (const service of ['codecommit', 'codebuild', 'codepipeline', 'codedeploy'] as const) {
      for (const [name, shape] of Object.entries(loadServiceModel(service).shapes)) {
        if (shape.pattern !== undefined) assert.notEqual(compileJavaPattern(shape.pattern), null, `${service} ${name}`)
      }
    }
  })
})
