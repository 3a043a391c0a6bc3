/**
 * Golden tests for the appspec compiler: every `test/fixtures/appspec/NN-name.yml` is parsed and the
 * whole result (spec, or errors, plus warnings — with line and column) is compared with
 * `NN-name.expected.json`. `UPDATE_GOLDEN=1` rewrites the expected files instead; review the diff
 * before committing it. The fixtures cover a full valid appspec per OS and every kind of error.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeAppSpecProblems, parseAppSpec, type ParseAppSpecResult } from '../../src/deploy/model/appspec.ts'
import { aceProblem, selinuxRangeProblem } from '../../src/deploy/model/appspec-permissions.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/appspec/', import.meta.url))
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const fixtures = fs.readdirSync(FIXTURES).filter((f) => /^\d\d-[\w.-]+\.yml$/.test(f)).sort()
const expectedPath = (f: string) => path.join(FIXTURES, f.replace(/\.yml$/, '.expected.json'))

describe('appspec golden files', () => {
  it('has at least 25 fixtures, each with its expected file', () => {
    assert.ok(fixtures.length >= 25, `only ${fixtures.length} fixtures`)
    if (!UPDATE) for (const f of fixtures) assert.ok(fs.existsSync(expectedPath(f)), `${f} has no expected file`)
  })

  for (const file of fixtures) {
    it(file, () => {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8')
      const result = parseAppSpec(text)
      if (UPDATE) fs.writeFileSync(expectedPath(file), `${JSON.stringify(result, null, 2)}\n`)
      else assert.deepEqual(JSON.parse(JSON.stringify(result)), JSON.parse(fs.readFileSync(expectedPath(file), 'utf8')))
      checkInvariants(result, text)
    })
  }
})

/** Holds for every result: spec exactly when no errors; every problem positioned inside the text. */
function checkInvariants(result: ParseAppSpecResult, text: string): void {
  assert.equal(result.spec !== undefined, result.errors.length === 0)
  const lines = text.split('\n')
  for (const p of [...result.errors, ...result.warnings]) {
    assert.ok(p.line >= 1 && p.line <= Math.max(lines.length, 1), `${p.message}: line ${p.line}`)
    assert.ok(p.column >= 1, `${p.message}: column ${p.column}`)
    assert.doesNotMatch(p.message, /YAML_FILE_ERROR|buildspec/)
  }
}

const messages = (text: string) => parseAppSpec(text).errors.map((e) => e.message)

describe('appspec messages name the problem', () => {
  it('a missing version', () => {
    const { errors } = parseAppSpec('os: linux\n')
    assert.equal(errors.length, 1)
    assert.match(errors[0]?.message ?? '', /^The appspec has no `version`/)
    assert.deepEqual([errors[0]?.line, errors[0]?.column], [1, 1])
  })

  it('a timeout above 3600 seconds, at the value', () => {
    const { errors } = parseAppSpec('version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: v.sh\n      timeout: 3601\n')
    assert.deepEqual(errors.map((e) => [e.message, e.line, e.column, e.path]), [['hooks.ValidateService[0].timeout must be at most 3600 seconds: found 3601', 6, 16, 'hooks.ValidateService[0].timeout']])
  })

  it('3600 seconds is allowed and is the default', () => {
    const { spec } = parseAppSpec('version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 3600\n    - location: b.sh\n')
    assert.deepEqual(spec?.hooks.AfterInstall?.map((s) => s.timeout), [3600, 3600])
  })

  it('an unknown hook lists the valid ones', () => {
    const [message] = messages('version: 0.0\nos: linux\nhooks:\n  PostInstall:\n    - location: a.sh\n')
    assert.match(message ?? '', /^hooks\.PostInstall is not a lifecycle event\. Valid hooks: BeforeBlockTraffic, AfterBlockTraffic, ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, ValidateService, BeforeAllowTraffic, AfterAllowTraffic$/)
  })

  it('refuses ../ out of the bundle in sources and script locations, on either separator', () => {
    for (const source of ['../x', '..', 'a/../../x', './../x', '..\\x', '/../x']) {
      const errs = messages(`version: 0.0\nos: linux\nfiles:\n  - source: '${source}'\n    destination: /srv\n`)
      assert.deepEqual(errs, [`files[0].source must stay inside the revision bundle: '${source}' climbs out of it with ..`], source)
    }
    assert.deepEqual(messages('version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: ../x.sh\n'), ["hooks.AfterInstall[0].location must stay inside the revision bundle: '../x.sh' climbs out of it with .."])
  })

  it('accepts .. that stays inside the bundle, and / for the whole bundle', () => {
    const { spec, errors } = parseAppSpec('version: 0.0\nos: linux\nfiles:\n  - source: a/b/../../c\n    destination: /srv\n  - source: /\n    destination: /opt\n')
    assert.deepEqual(errors, [])
    assert.deepEqual(spec?.files.map((f) => f.source), ['a/b/../../c', '/'])
  })

  it('version: 0 is the number 0.0 for the agent; a quoted one is not', () => {
    assert.equal(parseAppSpec('version: 0\nos: linux\n').spec?.version, '0.0')
    assert.match(messages("version: '0.0'\nos: linux\n")[0] ?? '', /without quotes/)
  })

  it('describes problems for an event diagnostic, one per line with the position', () => {
    const { errors } = parseAppSpec('version: 0.0\nos: mac\nfile_exists_behavior: KEEP\n')
    assert.equal(describeAppSpecProblems(errors), "appspec.yml line 2, column 5: os must be linux or windows: found 'mac'\nappspec.yml line 3, column 23: file_exists_behavior must be one of DISALLOW, OVERWRITE, RETAIN: found 'KEEP'")
  })
})

describe('appspec result invariants', () => {
  it('a spec is deep-frozen', () => {
    const { spec } = parseAppSpec(fs.readFileSync(path.join(FIXTURES, '01-full-linux.yml'), 'utf8'))
    assert.ok(spec)
    assert.ok(Object.isFrozen(spec) && Object.isFrozen(spec.files) && Object.isFrozen(spec.hooks.BeforeInstall) && Object.isFrozen(spec.permissions[1]?.acls))
    assert.throws(() => (spec.files as unknown as unknown[]).push(1))
  })

  it('is deterministic and reads CRLF files the same', () => {
    const text = fs.readFileSync(path.join(FIXTURES, '22-permission-errors.yml'), 'utf8')
    assert.deepEqual(parseAppSpec(text), parseAppSpec(text))
    assert.deepEqual(parseAppSpec(text.replace(/\n/g, '\r\n')), parseAppSpec(text))
  })

  it('a hook script gets the defaults: 3600 s, no runas, no sudo', () => {
    const { spec } = parseAppSpec('version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: " scripts/a.sh "\n')
    assert.deepEqual(spec?.hooks, { AfterInstall: [{ location: 'scripts/a.sh', timeout: 3600, sudo: false }] })
  })

  it('a permission gets the defaults: pattern **, both types, no except or acls', () => {
    const { spec } = parseAppSpec('version: 0.0\nos: linux\npermissions:\n  - object: /srv\n')
    assert.deepEqual(spec?.permissions, [{ object: '/srv', pattern: '**', except: [], acls: [], type: ['file', 'directory'] }])
  })
})

describe('ACL entries and SELinux ranges, as the agent parses them', () => {
  const aces: [string, boolean][] = [
    ['u:bob:rw', true], ['user:bob:7', true], ['bob:r-x', true], ['g:ops:r', true], ['m::rwx', true], ['mask::r', true],
    ['d:u::rwx', true], ['default:g:ops:rx', true], ['d:o::r', true], ['o::r', false], ['u::rw', false], ['g::r', false],
    ['o:bob:r', false], ['m:bob:r', false], ['u:bob:rwz', false], ['x:bob:r', false], ['d:d:u:bob:r', false], ['d:d:bob:r', false], ['default:default:bob:r', false], ['r', false], ['a:b:c:d:e', false],
  ]
  for (const [ace, ok] of aces) it(`${ace} → ${ok ? 'accepted' : 'refused'}`, () => assert.equal(aceProblem(ace) === undefined, ok, aceProblem(ace)))

  const ranges: [string, boolean][] = [
    ['s0', true], ['s0-s15', true], ['s0:c0', true], ['s0-s1:c0.c1023', true], ['s0:c1,c3.c5', true],
    ['s1-s0', false], ['s', false], ['x0', false], ['s0:', false], ['s0:c1024', false], ['s0:c5.c1', false], ['s0:c1,c1', false], ['s0:c1.c3,c2', false], ['s0-', false],
  ]
  for (const [range, ok] of ranges) it(`range ${range} → ${ok ? 'accepted' : 'refused'}`, () => assert.equal(selinuxRangeProblem(range) === undefined, ok, selinuxRangeProblem(range)))
})
