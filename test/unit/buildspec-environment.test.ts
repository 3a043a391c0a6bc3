import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseBuildspec } from '../../src/build/model/buildspec.ts'
import type { EnvPlan } from '../../src/build/model/buildspec-types.ts'
import {
  createMasker,
  maskSecrets,
  resolveEnvironment,
  secretValues,
  validateExportedVariables,
  type EnvironmentInputs,
  type ResolvedVariable,
} from '../../src/build/model/environment.ts'

const envOf = (yaml: string): EnvPlan => {
  const { plan, errors } = parseBuildspec(`version: 0.2\n${yaml}\nphases:\n  build:\n    commands: [make]\n`)
  assert.deepEqual(errors, [])
  assert.ok(plan)
  return plan.env
}

describe('resolveEnvironment precedence', () => {
  const buildspec = envOf(`env:
  variables:
    STAGE: from-buildspec
    ONLY_BUILDSPEC: b
    DB: plain
    HOME: /home/builder
  parameter-store:
    DB: /ssm/db
  secrets-manager:
    TOKEN: prod/token:value`)

  const table: { name: string; inputs: EnvironmentInputs; expect: Record<string, [value: string, type: string, source: string]>; errors?: number }[] = [
    {
      name: 'buildspec alone; secrets-manager > parameter-store > variables within it',
      inputs: { buildspec },
      expect: {
        STAGE: ['from-buildspec', 'PLAINTEXT', 'buildspec'],
        ONLY_BUILDSPEC: ['b', 'PLAINTEXT', 'buildspec'],
        DB: ['/ssm/db', 'PARAMETER_STORE', 'buildspec'],
        HOME: ['/home/builder', 'PLAINTEXT', 'buildspec'],
        TOKEN: ['prod/token:value', 'SECRETS_MANAGER', 'buildspec'],
      },
    },
    {
      name: 'project beats buildspec, override beats project',
      inputs: {
        buildspec,
        project: [
          { name: 'STAGE', value: 'from-project' },
          { name: 'TOKEN', value: 'literal', type: 'PLAINTEXT' },
          { name: 'P', value: '/ssm/p', type: 'PARAMETER_STORE' },
        ],
        overrides: [{ name: 'STAGE', value: 'from-override' }],
      },
      expect: {
        STAGE: ['from-override', 'PLAINTEXT', 'override'],
        ONLY_BUILDSPEC: ['b', 'PLAINTEXT', 'buildspec'],
        DB: ['/ssm/db', 'PARAMETER_STORE', 'buildspec'],
        HOME: ['/home/builder', 'PLAINTEXT', 'buildspec'],
        TOKEN: ['literal', 'PLAINTEXT', 'project'],
        P: ['/ssm/p', 'PARAMETER_STORE', 'project'],
      },
    },
    {
      name: 'built-ins are the lowest layer (a buildspec may replace HOME), CODEBUILD_* stay',
      inputs: {
        builtIns: [
          { name: 'CODEBUILD_BUILD_ID', value: 'p:1' },
          { name: 'HOME', value: '/root' },
          { name: 'AWS_REGION', value: 'us-east-1' },
        ],
        buildspec,
        overrides: [{ name: 'AWS_REGION', value: 'eu-west-1' }],
      },
      expect: {
        CODEBUILD_BUILD_ID: ['p:1', 'PLAINTEXT', 'builtin'],
        HOME: ['/home/builder', 'PLAINTEXT', 'buildspec'],
        AWS_REGION: ['eu-west-1', 'PLAINTEXT', 'override'],
        STAGE: ['from-buildspec', 'PLAINTEXT', 'buildspec'],
        ONLY_BUILDSPEC: ['b', 'PLAINTEXT', 'buildspec'],
        DB: ['/ssm/db', 'PARAMETER_STORE', 'buildspec'],
        TOKEN: ['prod/token:value', 'SECRETS_MANAGER', 'buildspec'],
      },
    },
    {
      name: 'CODEBUILD_* from the project or an override is an error and is dropped',
      inputs: {
        builtIns: [{ name: 'CODEBUILD_SRC_DIR', value: '/src' }],
        project: [{ name: 'CODEBUILD_SRC_DIR', value: '/elsewhere' }],
        overrides: [{ name: 'CODEBUILD_X', value: '1' }, { name: '', value: 'x' }],
      },
      expect: { CODEBUILD_SRC_DIR: ['/src', 'PLAINTEXT', 'builtin'] },
      errors: 3,
    },
    { name: 'nothing at all', inputs: {}, expect: {} },
  ]

  for (const row of table) {
    it(row.name, () => {
      const { variables, errors } = resolveEnvironment(row.inputs)
      assert.equal(errors.length, row.errors ?? 0, errors.join('\n'))
      assert.deepEqual(Object.fromEntries(variables.map((v) => [v.name, [v.value, v.type, v.source]])), row.expect)
      assert.deepEqual(
        variables.map((v) => v.name),
        Object.keys(row.expect),
        'each name once, at its first definition',
      )
    })
  }
})

describe('validateExportedVariables', () => {
  const variables: ResolvedVariable[] = [
    { name: 'PLAIN', value: 'x', type: 'PLAINTEXT', source: 'buildspec' },
    { name: 'SECRET', value: 'id', type: 'SECRETS_MANAGER', source: 'project' },
    { name: 'PARAM', value: '/p', type: 'PARAMETER_STORE', source: 'buildspec' },
  ]
  const table: [names: string[], errors: number][] = [
    [[], 0],
    [['PLAIN', 'SET_BY_COMMANDS'], 0],
    [['AWS_REGION'], 1],
    [['SECRET'], 1],
    [['PARAM', 'AWS_X', 'PLAIN'], 2],
  ]
  for (const [names, count] of table) {
    it(`[${names.join(', ')}] → ${count} error(s)`, () => assert.equal(validateExportedVariables(names, variables).length, count))
  }
})

describe('maskSecrets', () => {
  const table: [text: string, secrets: string[], masked: string][] = [
    ['password is hunter2', ['hunter2'], 'password is ***'],
    ['hunter2hunter2', ['hunter2'], '******'],
    ['nothing here', ['hunter2'], 'nothing here'],
    ['empty secrets are ignored', ['', 'zzz'], 'empty secrets are ignored'],
    ['no secrets at all', [], 'no secrets at all'],
    ['longest first: abcdef', ['abc', 'abcdef'], 'longest first: ***'],
    ['overlap abcd', ['abc', 'bcd'], 'overlap ***d'],
    ['regex chars a.b*c and axbbc', ['a.b*c'], 'regex chars *** and axbbc'],
    ['multi\nline secret', ['i\nl'], 'mult***ine secret'],
    ['AKIAIOSFODNN7EXAMPLE key', ['AKIAIOSFODNN7EXAMPLE'], '*** key'],
    ['$1 and $& stay literal: s3cr3t', ['s3cr3t'], '$1 and $& stay literal: ***'],
  ]
  for (const [text, secrets, masked] of table) {
    it(JSON.stringify(text), () => assert.equal(maskSecrets(text, secrets), masked))
  }
})

describe('createMasker (streaming)', () => {
  const secrets = ['hunter2', 'abc', 'abcdef', 'zz']
  const texts = ['the password hunter2 and abcdef then abc, zzz and hunter2', 'hunter2hunter2', 'abcab', 'ab', 'xhunter', 'no secrets here', '']

  it('gives the same output as maskSecrets for every way of splitting the input in two or three', () => {
    for (const text of texts) {
      const whole = maskSecrets(text, secrets)
      for (let i = 0; i <= text.length; i++) {
        for (let j = i; j <= text.length; j++) {
          const m = createMasker(secrets)
          const out = m.push(text.slice(0, i)) + m.push(text.slice(i, j)) + m.push(text.slice(j)) + m.flush()
          assert.equal(out, whole, `${JSON.stringify(text)} split at ${i},${j}`)
        }
      }
    }
  })

  it('character by character', () => {
    const text = texts[0] ?? ''
    const m = createMasker(secrets)
    let out = ''
    for (const c of text) out += m.push(c)
    assert.equal(out + m.flush(), maskSecrets(text, secrets))
  })

  it('holds back only a tail that can still start a secret, so live logs do not lag', () => {
    const m = createMasker(['abcdef'])
    assert.equal(m.push('0123456789abcde'), '0123456789')
    assert.equal(m.push('f tail'), '*** tail')
    assert.equal(m.flush(), '')
    assert.equal(m.push('plain text without secrets\n'), 'plain text without secrets\n', 'nothing held when no secret can start')
    assert.equal(m.push('tick ab'), 'tick ', '"ab" may start the secret')
    assert.equal(m.push('x\n'), 'abx\n')
  })

  it('passes everything through when there are no secrets', () => {
    const m = createMasker(['', ''])
    assert.equal(m.push('abc'), 'abc')
    assert.equal(m.flush(), '')
  })

  it('secretValues lists resolved non-plaintext values', () => {
    assert.deepEqual(
      secretValues([
        { type: 'PLAINTEXT', value: 'visible' },
        { type: 'SECRETS_MANAGER', value: 's3cr3t' },
        { type: 'PARAMETER_STORE', value: '' },
      ]),
      ['s3cr3t'],
    )
  })
})
