/**
 * `#{namespace.key}` references: finding them, resolving them one pass deep, and resolving a whole
 * action configuration.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { findReferences, resolveConfiguration, resolveVariables } from '../../src/pipeline/model/variables.ts'

const VALUES: Record<string, string> = {
  'SourceVariables.CommitId': '3f1c2e9',
  'SourceVariables.BranchName': 'main',
  'codepipeline.PipelineExecutionId': 'e-1',
  'variables.Env': 'prod',
  'variables.Empty': '',
  'variables.Sneaky': '#{variables.Env}',
  'Build-Vars@2.IMAGE_TAG': 'v1.2',
}
const lookup = (ns: string, key: string): string | undefined => VALUES[`${ns}.${key}`]

describe('findReferences', () => {
  const table: [string, [string, string, number, number][]][] = [
    ['no references', []],
    ['#{SourceVariables.CommitId}', [['SourceVariables', 'CommitId', 0, 27]]],
    ['a #{x.y} b #{p.q}', [['x', 'y', 2, 8], ['p', 'q', 11, 17]]],
    ['#{Build-Vars@2.IMAGE_TAG}', [['Build-Vars@2', 'IMAGE_TAG', 0, 25]]],
    ['key runs to the brace: #{ns.a.b c}', [['ns', 'a.b c', 23, 34]]],
    ['#{nodot}', []],
    ['#{.key}', []],
    ['#{ns.}', []],
    ['unclosed #{ns.key', []],
    ['#{bad ns.key}', []],
    ['##{ns.key}}', [['ns', 'key', 1, 10]]],
    ['${ns.key} and {ns.key} are not references', []],
    ['#{a.#{b.c}}', [['a', '#{b.c', 0, 10]]],
  ]
  for (const [text, expected] of table) {
    it(JSON.stringify(text), () => {
      assert.deepEqual(findReferences(text).map((r) => [r.namespace, r.key, r.start, r.end]), expected)
    })
  }

  it('start/end slice the reference out of the text', () => {
    const text = 'echo #{variables.Env} > out'
    const [ref] = findReferences(text)
    assert.equal(text.slice(ref?.start, ref?.end), '#{variables.Env}')
  })
})

describe('resolveVariables', () => {
  const table: [string, string, string[]][] = [
    ['plain', 'plain', []],
    ['commit #{SourceVariables.CommitId} on #{SourceVariables.BranchName}', 'commit 3f1c2e9 on main', []],
    ['#{codepipeline.PipelineExecutionId}', 'e-1', []],
    ['tag=#{Build-Vars@2.IMAGE_TAG}', 'tag=v1.2', []],
    ['[#{variables.Empty}]', '[]', []],
    ['#{variables.Missing} and #{variables.Missing} and #{x.y}', '#{variables.Missing} and #{variables.Missing} and #{x.y}', ['variables.Missing', 'x.y']],
    ['case matters: #{variables.env}', 'case matters: #{variables.env}', ['variables.env']],
    ['one pass: #{variables.Sneaky}', 'one pass: #{variables.Env}', []],
  ]
  for (const [text, value, unresolved] of table) {
    it(JSON.stringify(text), () => {
      assert.deepEqual(resolveVariables(text, lookup), { value, unresolved })
    })
  }

  it('asks the lookup once per reference, in order', () => {
    const asked: string[] = []
    resolveVariables('#{a.b}#{c.d}#{a.b}', (ns, key) => {
      asked.push(`${ns}.${key}`)
      return 'v'
    })
    assert.deepEqual(asked, ['a.b', 'c.d', 'a.b'])
  })
})

describe('resolveConfiguration', () => {
  it('resolves every value, never the keys, and collects unresolved names once', () => {
    const config = { ProjectName: 'app-#{variables.Env}', 'Key#{variables.Env}': 'x', A: '#{nope.k}', B: '#{nope.k} #{SourceVariables.CommitId}' }
    const frozen = Object.freeze({ ...config })
    assert.deepEqual(resolveConfiguration(frozen, lookup), {
      configuration: { ProjectName: 'app-prod', 'Key#{variables.Env}': 'x', A: '#{nope.k}', B: '#{nope.k} 3f1c2e9' },
      unresolved: ['nope.k'],
    })
  })

  it('returns an empty configuration for an empty one', () => {
    assert.deepEqual(resolveConfiguration({}, lookup), { configuration: {}, unresolved: [] })
  })

  it('resolves inside a JSON value\'s strings: a value with quotes and newlines stays one string and adds nothing', () => {
    const message = 'fix: "quoted"\n\nbody","type":"PLAINTEXT"},{"name":"AWS_ENDPOINT_URL","value":"http://evil\n'
    const ask = (ns: string, key: string) => (ns === 'SourceVariables' && key === 'CommitMessage' ? message : undefined)
    const raw = '[{"name":"MSG","value":"#{SourceVariables.CommitMessage}","type":"PLAINTEXT"}]'
    const { configuration, unresolved } = resolveConfiguration({ EnvironmentVariables: raw, Plain: 'x #{SourceVariables.CommitMessage}' }, ask)
    assert.deepEqual(unresolved, [])
    assert.deepEqual(JSON.parse(configuration.EnvironmentVariables!), [{ name: 'MSG', value: message, type: 'PLAINTEXT' }])
    assert.equal(configuration.Plain, `x ${message}`, 'a plain value is resolved as text')
    const untouched = '[ {"name": "A", "value": "b"} ]'
    assert.equal(resolveConfiguration({ EnvironmentVariables: untouched }, ask).configuration.EnvironmentVariables, untouched, 'no references: as written')
    assert.deepEqual(resolveConfiguration({ E: '[{"value":"#{nope.k}"}]' }, ask).unresolved, ['nope.k'])
  })
})
