/**
 * Golden tests for the buildspec compiler: every `test/fixtures/buildspec/NN-name.yml` is parsed
 * and the whole result (plan, or errors, plus warnings — with line and column) is compared with
 * `NN-name.expected.json`. `UPDATE_GOLDEN=1` rewrites the expected files instead; review the diff
 * before committing it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseBuildspec } from '../../src/build/model/buildspec.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/buildspec/', import.meta.url))
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const fixtures = fs.readdirSync(FIXTURES).filter((f) => /^\d\d-[\w.-]+\.yml$/.test(f)).sort()

describe('buildspec golden files', () => {
  it('has at least 15 fixtures, each with its expected file', () => {
    assert.ok(fixtures.length >= 15, `only ${fixtures.length} fixtures`)
    if (!UPDATE) for (const f of fixtures) assert.ok(fs.existsSync(expectedPath(f)), `${f} has no expected file`)
  })

  for (const file of fixtures) {
    it(file, () => {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8')
      const result = parseBuildspec(text)
      const actual = JSON.parse(JSON.stringify(result)) as unknown
      if (UPDATE) fs.writeFileSync(expectedPath(file), `${JSON.stringify(result, null, 2)}\n`)
      else assert.deepEqual(actual, JSON.parse(fs.readFileSync(expectedPath(file), 'utf8')))
      checkInvariants(result, text)
    })
  }
})

describe('buildspec result invariants', () => {
  it('a plan is deep-frozen', () => {
    const { plan } = parseBuildspec('version: 0.2\nphases:\n  build:\n    commands: [make]\n')
    assert.ok(plan)
    assert.ok(Object.isFrozen(plan) && Object.isFrozen(plan.phases) && Object.isFrozen(plan.phases[2]?.commands) && Object.isFrozen(plan.env.variables))
    assert.throws(() => (plan.phases as unknown as unknown[]).push(1))
  })

  it('is deterministic: the same text gives the same result', () => {
    const text = fs.readFileSync(path.join(FIXTURES, '02-full-featured.yml'), 'utf8')
    assert.deepEqual(parseBuildspec(text), parseBuildspec(text))
  })

  it('an unquoted colon in a command names the line and suggests quotes', () => {
    const { errors } = parseBuildspec('version: 0.2\nphases:\n  build:\n    commands:\n      - echo "a: b"\n')
    assert.equal(errors.length, 1)
    assert.match(errors[0]?.message ?? '', /^YAML_FILE_ERROR: Expected Commands\[0\] to be of string type: found subkeys instead at line 5, check indentation/)
    assert.match(errors[0]?.message ?? '', /quote/)
    assert.deepEqual([errors[0]?.line, errors[0]?.column], [5, 9])
  })

  it('accepts CRLF line endings with the same positions', () => {
    const lf = 'version: 0.2\nphases:\n  buidl:\n    commands: [make]\n'
    const crlf = parseBuildspec(lf.replace(/\n/g, '\r\n'))
    assert.deepEqual(crlf, parseBuildspec(lf))
  })

  it('never throws on arbitrary input', () => {
    const samples = ['', ':', '- - -', '{', 'version: [', '&a [*a]', '!!binary x', '? [a]\n: b', 'version: 0.2\nphases: *nope', '\u0000', 'a: &x\n  b: *x']
    for (const s of samples) assert.doesNotThrow(() => parseBuildspec(s), s)
  })
})

function expectedPath(file: string): string {
  return path.join(FIXTURES, file.replace(/\.yml$/, '.expected.json'))
}

function checkInvariants(result: ReturnType<typeof parseBuildspec>, text: string): void {
  assert.equal(result.plan !== undefined, result.errors.length === 0, 'plan present exactly when there are no errors')
  const lineCount = text.split('\n').length
  for (const p of [...result.errors, ...result.warnings]) {
    assert.ok(p.line >= 1 && p.line <= lineCount && p.column >= 1, `bad position ${p.line}:${p.column} in ${p.message}`)
    assert.match(p.message, /at line \d+/)
  }
  for (const e of result.errors) assert.match(e.message, /^YAML_FILE_ERROR: /)
  if (result.plan) assert.deepEqual(result.plan.phases.map((p) => p.name), ['install', 'pre_build', 'build', 'post_build'])
}

describe('buildspec limits', () => {
  const head = 'version: 0.2\nphases:\n  build:\n    commands:\n'
  it('refuses a buildspec larger than the limit, naming the setting', () => {
    const big = head + '      - echo x\n'.repeat(1000)
    const r = parseBuildspec(big, { maxBytes: 4096, maxDepth: 64 })
    assert.equal(r.plan, undefined)
    assert.match(r.errors[0]!.message, /^YAML_FILE_ERROR: The buildspec is \d+ KiB, more than the limit of 4 KiB \(SLIPWAY_MAX_BUILDSPEC_KB\)$/)
    assert.ok(parseBuildspec(big).plan, 'the default limit (1 MiB) takes it')
  })
  it('refuses nesting deeper than the limit, also where the YAML parser would run out of stack', () => {
    const flow = (n: number) => `${head}      - echo hi\nenv:\n  variables:\n    X: ${'['.repeat(n)}${']'.repeat(n)}\n`
    for (const n of [70, 20_000]) {
      const r = parseBuildspec(flow(n))
      assert.match(r.errors[0]?.message ?? '', /^YAML_FILE_ERROR: The buildspec nests deeper than 64 levels at line 8, column \d+$/, `depth ${n}`)
    }
    const indented = `version: 0.2\nphases:\n${Array.from({ length: 1200 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')}\n`
    assert.match(parseBuildspec(indented).errors[0]?.message ?? '', /nests deeper than 64 levels/)
    assert.doesNotMatch(parseBuildspec(flow(50)).errors[0]?.message ?? '', /nests deeper/, '50 levels are read (and then judged as a buildspec)')
  })
})
