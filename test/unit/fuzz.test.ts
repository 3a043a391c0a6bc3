/**
 * Property-based fuzzing (fast-check) of what parses hostile input: buildspecs, appspecs, pipeline
 * declarations, S3 request targets and SigV4 canonicalisation. No input crashes or hangs a parser;
 * every rejection is an error of the protocol's shape. `SLIPWAY_FUZZ_RUNS` sets the runs per property
 * (300 by default; `npm run test:fuzz` runs 5,000).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import fc from 'fast-check'
import { parseBuildspec } from '../../src/build/model/buildspec.ts'
import { parseAppSpec } from '../../src/deploy/model/appspec.ts'
import { BUILT_IN_PROVIDERS, validatePipeline } from '../../src/pipeline/model/structure/validate-pipeline.ts'
import type { PipelineDeclaration } from '../../src/protocol/models/codepipeline.types.ts'
import { validationViolations, withoutNullMembers } from '../../src/protocol/aws-json/validate.ts'
import { loadServiceModel } from '../../src/protocol/aws-json/service-model.ts'
import { parseTarget } from '../../src/protocol/s3/s3-target.ts'
import { AwsError } from '../../src/shared/errors.ts'
import { canonicalQuery, canonicalUri, parseQuery } from '../../src/protocol/sigv4/canonical.ts'
import { signRequest } from '../../src/protocol/sigv4/sign-request.ts'
import { sha256Hex, verifyRequest, type KeyLookup } from '../../src/protocol/sigv4/verify-request.ts'

const RUNS = Number(process.env.SLIPWAY_FUZZ_RUNS ?? 300)
const settings = { numRuns: RUNS }

/** Text built from a YAML document's usual pieces and arbitrary strings between them. */
const yamlish = (words: string[]) =>
  fc.array(fc.oneof(fc.constantFrom(...words, '\n', '  ', '- ', ': ', '[', ']', '{', '}', ',', '"', "'", '#', '&a ', '*a ', '!!str ', '|\n', '>-\n', '\t', '---\n', '%YAML 1.2\n', '<<: *a\n'), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 60 }).map((parts) => parts.join(''))

const BUILDSPEC_WORDS = ['version: 0.2\n', 'phases:\n', '  install:\n', '  build:\n', '    commands:\n', '      - echo hi\n', '    finally:\n', '    on-failure: ABORT\n', 'env:\n', '  variables:\n', '    A: b\n', '  exported-variables:\n', 'artifacts:\n', '  files:\n', '  discard-paths: yes\n', 'reports:\n', 'cache:\n', '  paths:\n', 'run-as: root\n', '  shell: bash\n', 'secondary-artifacts:\n']
const APPSPEC_WORDS = ['version: 0.0\n', 'os: linux\n', 'files:\n', '  - source: /\n', '    destination: /srv\n', 'hooks:\n', '  AfterInstall:\n', '    - location: s.sh\n', '      timeout: 30\n', '      runas: root\n', 'permissions:\n', '  - object: /srv\n', '    mode: 755\n', 'file_exists_behavior: OVERWRITE\n']

describe('fuzzing (fast-check)', () => {
  it('parseBuildspec: never throws; a refusal is a list of problems with positions', () => {
    fc.assert(fc.property(yamlish(BUILDSPEC_WORDS), (text) => {
      const r = parseBuildspec(text)
      if (r.plan) return r.errors.length === 0
      return r.errors.length > 0 && r.errors.every((e) => typeof e.message === 'string' && e.message.length > 0 && e.line >= 1 && e.column >= 1)
    }), settings)
  })

  it('parseAppSpec: never throws; a refusal is a list of problems with positions', () => {
    fc.assert(fc.property(yamlish(APPSPEC_WORDS), (text) => {
      const r = parseAppSpec(text)
      if (r.spec) return r.errors.length === 0
      return r.errors.length > 0 && r.errors.every((e) => typeof e.message === 'string' && e.message.length > 0 && e.line >= 1)
    }), settings)
  })

  it('CreatePipeline: any JSON, or a valid pipeline with any part replaced, is refused by the API model or judged by validatePipeline without a crash; errors carry AWS exception names', () => {
    const seed = JSON.parse(fs.readFileSync(new URL('../fixtures/pipelines/01-seed-valid.json', import.meta.url), 'utf8')) as { pipeline?: PipelineDeclaration } & PipelineDeclaration
    const valid = (seed.pipeline ?? seed) as unknown as Record<string, unknown>
    const context = { region: 'us-east-1', knownProviders: BUILT_IN_PROVIDERS }
    const model = loadServiceModel('codepipeline')
    // What CreatePipeline does: the API model's validation first, then the structure's.
    const check = (declaration: unknown) => {
      let violations
      try {
        violations = validationViolations(model, 'CreatePipeline', { pipeline: declaration })
      } catch (err) {
        return err instanceof AwsError && err.code === 'SerializationException'
      }
      if (violations.length > 0) return violations.every((v) => v.message.length > 0)
      const r = validatePipeline(withoutNullMembers({ pipeline: declaration }).pipeline as PipelineDeclaration, context)
      return r.errors.every((e) => /Exception$/.test(e.code) && e.message.length > 0) && (r.errors.length > 0) !== (r.normalized !== undefined)
    }
    fc.assert(fc.property(fc.jsonValue(), check), settings)
    // Replace one value somewhere inside the valid declaration.
    const paths: (string | number)[][] = []
    const walk = (v: unknown, at: (string | number)[]) => {
      paths.push(at)
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]))
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k])
    }
    walk(valid, [])
    fc.assert(fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue(), (at, replacement) => {
      const copy = structuredClone(valid)
      let node: Record<string | number, unknown> = copy
      for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>
      node[at.at(-1)!] = replacement
      return check(copy)
    }), settings)
  })

  it('S3 request targets: any URL either parses or is refused with an S3 error', () => {
    const segment = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('%', '%2', '%FF', '%C3%A9', '%00', '..', '.', '//', '?', '&', '=', '+', '%2F', 'x-id=GetObject', 'uploads', 'versionId='))
    fc.assert(fc.property(fc.array(segment, { maxLength: 8 }).map((s) => '/' + s.join('')), (url) => {
      try {
        const t = parseTarget(url)
        return typeof t.bucket === 'string' && typeof t.rawPath === 'string'
      } catch (err) {
        return err instanceof AwsError
      }
    }), settings)
  })

  it('SigV4: canonicalisation never throws, and what the signer signs the verifier accepts, for any path and query', async () => {
    fc.assert(fc.property(fc.string(), fc.string(), (path, query) => {
      canonicalUri(path, 's3')
      canonicalUri(path, 'codebuild')
      canonicalQuery(parseQuery(query))
      return true
    }), settings)
    const credentials = { accessKeyId: 'AKIAFUZZFUZZFUZZFUZZ', secretAccessKey: 'fuzz/secret+key=' }
    const lookup: KeyLookup = async (id) => (id === credentials.accessKeyId ? { ...credentials, principal: 'fuzz' } : undefined)
    const at = new Date('2026-12-01T10:00:00Z')
    await fc.assert(fc.asyncProperty(
      fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 4 }),
      fc.constantFrom('s3', 'codebuild'),
      async (segments, params, service) => {
        const url = new URL(`https://slipway.test/${segments.map(encodeURIComponent).join('/')}`)
        for (const [k, v] of params) url.searchParams.append(k, v)
        const headers = signRequest({ url, method: 'GET', region: 'us-east-1', service, credentials, date: at })
        const caller = await verifyRequest({ method: 'GET', path: url.pathname, query: url.search.slice(1), headers, payloadHash: headers['x-amz-content-sha256'] ?? sha256Hex('') }, lookup, at)
        assert.equal(caller.principal, 'fuzz')
      },
    ), { numRuns: Math.min(RUNS, 200) })
  })
})
