/**
 * Trigger filters: the glob language, push-filter matching, and which source action (and branch or
 * tag) a push to a Slipway-hosted CodeCommit repository starts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import type { PipelineDeclaration, PipelineTriggerDeclaration } from '../../src/protocol/models/codepipeline.types.ts'
import { matchesPushFilter, parseRef, triggerFor, type PushFacts } from '../../src/pipeline/model/structure/branch-filter.ts'
import { compileGlob, globMatches } from '../../src/pipeline/model/structure/glob.ts'
import { BUILT_IN_PROVIDERS, validatePipeline } from '../../src/pipeline/model/structure/validate-pipeline.ts'
import type { NormalizedPipeline, NormalizedPushFilter } from '../../src/pipeline/model/structure/types.ts'

describe('glob', () => {
  const table: [string, string, boolean][] = [
    ['main', 'main', true],
    ['main', 'mainline', false],
    ['release*', 'release-1.2', true],
    ['release*', 'release/1.2', false],
    ['release/*', 'release/1.2', true],
    ['release/*', 'release/1.2/hotfix', false],
    ['release/**', 'release/1.2/hotfix', true],
    ['feature/**', 'feature/', true],
    ['feature/**', 'feature', false],
    ['**', 'any/deep/path.txt', true],
    ['**/*.js', 'src/app/index.js', true],
    ['**/*.js', 'index.js', false],
    ['*.js', 'index.js', true],
    ['*.js', 'src/index.js', false],
    ['common/**/*.js', 'common/a/b.js', true],
    ['v?', 'v1', true],
    ['v?', 'v10', false],
    ['a?b', 'a/b', false],
    ['v[0-9].*', 'v2.0', true],
    ['v[0-9].*', 'vx.0', false],
    ['v[!0-9]*', 'vx', true],
    ['v[!0-9]*', 'v1', false],
    ['*.{java,class}', 'A.class', true],
    ['*.{java,class}', 'A.kt', false],
    ['{main,develop}', 'develop', true],
    ['release-\\*', 'release-*', true],
    ['release-\\*', 'release-1', false],
    ['dots.are.literal', 'dotsXareXliteral', false],
    ['(parens)+', '(parens)+', true],
    ['release/[abc', 'release/a', false],
  ]
  for (const [pattern, value, expected] of table) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${value}`, () => {
      assert.equal(globMatches(pattern, value), expected)
    })
  }

  it('reports malformed patterns', () => {
    assert.deepEqual(['a[b', 'a{b', 'a{b{c}}', 'a\\', 'a[/]'].map((p) => compileGlob(p).ok), [false, false, false, false, false])
  })
})

describe('matchesPushFilter', () => {
  const branches = (includes: string[], excludes: string[] = []): NormalizedPushFilter => ({ branches: { includes, excludes } })
  const table: [string, NormalizedPushFilter, PushFacts, boolean][] = [
    ['branch included', branches(['main', 'release/**']), { branch: 'release/2.0' }, true],
    ['branch not included', branches(['main']), { branch: 'dev' }, false],
    ['excludes win over includes', branches(['release/**'], ['release/experimental-*']), { branch: 'release/experimental-x' }, false],
    ['excludes only: everything else passes', branches([], ['wip/**']), { branch: 'feature/x' }, true],
    ['excludes only: excluded', branches([], ['wip/**']), { branch: 'wip/x' }, false],
    ['branch filter ignores tag pushes', branches(['**']), { tag: 'v1' }, false],
    ['tag included', { tags: { includes: ['v*'], excludes: [] } }, { tag: 'v1.0' }, true],
    ['tag excluded', { tags: { includes: ['v*'], excludes: ['v*-rc*'] } }, { tag: 'v1.0-rc1' }, false],
    ['tag filter ignores branch pushes', { tags: { includes: ['**'], excludes: [] } }, { branch: 'main' }, false],
    ['file path included', { ...branches(['main']), filePaths: { includes: ['src/**'], excludes: [] } }, { branch: 'main', changedFiles: ['README.md', 'src/a.ts'] }, true],
    ['no file path included', { ...branches(['main']), filePaths: { includes: ['src/**'], excludes: [] } }, { branch: 'main', changedFiles: ['README.md'] }, false],
    ['all changed files excluded', { ...branches(['main']), filePaths: { includes: [], excludes: ['**/*.md', '*.md'] } }, { branch: 'main', changedFiles: ['README.md', 'docs/x.md'] }, false],
    ['one changed file not excluded', { ...branches(['main']), filePaths: { includes: [], excludes: ['*.md'] } }, { branch: 'main', changedFiles: ['README.md', 'a.ts'] }, true],
    ['file excluded even when included', { ...branches(['main']), filePaths: { includes: ['src/**'], excludes: ['src/gen/**'] } }, { branch: 'main', changedFiles: ['src/gen/x.ts'] }, false],
    ['empty change set selects nothing', { ...branches(['main']), filePaths: { includes: ['**'], excludes: [] } }, { branch: 'main', changedFiles: [] }, false],
    ['unknown change set passes the file filter', { ...branches(['main']), filePaths: { includes: ['src/**'], excludes: [] } }, { branch: 'main' }, true],
    ['branch mismatch beats file match', { ...branches(['main']), filePaths: { includes: ['**'], excludes: [] } }, { branch: 'dev', changedFiles: ['a'] }, false],
  ]
  for (const [name, filter, push, expected] of table) {
    it(name, () => assert.equal(matchesPushFilter(filter, push), expected))
  }
})

describe('parseRef', () => {
  it('splits heads and tags, refuses other refs', () => {
    assert.deepEqual(parseRef('refs/heads/feature/x'), { branch: 'feature/x' })
    assert.deepEqual(parseRef('refs/tags/v1'), { tag: 'v1' })
    assert.equal(parseRef('refs/notes/commits'), undefined)
    assert.equal(parseRef('refs/heads/'), undefined)
    assert.equal(parseRef('main'), undefined)
  })
})

function compile(mutate: (d: PipelineDeclaration) => void): NormalizedPipeline {
  const url = new URL('../fixtures/pipelines/01-seed-valid.json', import.meta.url)
  const declaration = (JSON.parse(fs.readFileSync(url, 'utf8')) as { pipeline: PipelineDeclaration }).pipeline
  mutate(declaration)
  const { errors, normalized } = validatePipeline(declaration, { region: 'us-east-1', knownProviders: BUILT_IN_PROVIDERS })
  assert.deepEqual(errors, [])
  assert.ok(normalized)
  return normalized
}

function setTrigger(d: PipelineDeclaration, trigger?: PipelineTriggerDeclaration): void {
  d.triggers = trigger ? [trigger] : []
}

describe('triggerFor', () => {
  // seed: CodeCommit action Source on seed-app/main; trigger branches main, release/** minus release/experimental-*
  const filtered = compile(() => {})
  const plain = compile((d) => setTrigger(d))
  const noFilter = compile((d) => setTrigger(d, { providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'Source' } }))
  const tags = compile((d) => setTrigger(d, { providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'Source', push: [{ tags: { includes: ['v*'] } }] } }))
  const paths = compile((d) => setTrigger(d, { providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'Source', push: [{ branches: { includes: ['**'] }, filePaths: { excludes: ['docs/**'] } }] } }))
  const twoSources = compile((d) => {
    setTrigger(d)
    d.stages[0]?.actions.push({
      name: 'Tools', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
      configuration: { RepositoryName: 'tools', BranchName: 'stable' }, outputArtifacts: [{ name: 'ToolsOutput' }],
    })
  })

  const table: [string, NormalizedPipeline, string, string, string[] | undefined, ReturnType<typeof triggerFor>][] = [
    ['no trigger: the configured branch', plain, 'seed-app', 'refs/heads/main', undefined, { sourceActionName: 'Source', branch: 'main' }],
    ['no trigger: another branch', plain, 'seed-app', 'refs/heads/dev', undefined, undefined],
    ['no trigger: a tag', plain, 'seed-app', 'refs/tags/main', undefined, undefined],
    ['no trigger: another repository', plain, 'other', 'refs/heads/main', undefined, undefined],
    ['trigger without filters behaves like no trigger', noFilter, 'seed-app', 'refs/heads/main', undefined, { sourceActionName: 'Source', branch: 'main' }],
    ['trigger without filters: another branch', noFilter, 'seed-app', 'refs/heads/dev', undefined, undefined],
    ['filters: included branch builds that branch', filtered, 'seed-app', 'refs/heads/release/2.0', undefined, { sourceActionName: 'Source', branch: 'release/2.0' }],
    ['filters: configured branch still included', filtered, 'seed-app', 'refs/heads/main', undefined, { sourceActionName: 'Source', branch: 'main' }],
    ['filters: excluded branch', filtered, 'seed-app', 'refs/heads/release/experimental-x', undefined, undefined],
    ['filters: branch outside includes', filtered, 'seed-app', 'refs/heads/dev', undefined, undefined],
    ['filters: another repository', filtered, 'other', 'refs/heads/release/2.0', undefined, undefined],
    ['tag filter: matching tag', tags, 'seed-app', 'refs/tags/v1.0', undefined, { sourceActionName: 'Source', tag: 'v1.0' }],
    ['tag filter: the configured branch no longer triggers', tags, 'seed-app', 'refs/heads/main', undefined, undefined],
    ['file filter: only docs changed', paths, 'seed-app', 'refs/heads/dev', ['docs/a.md'], undefined],
    ['file filter: code changed', paths, 'seed-app', 'refs/heads/dev', ['docs/a.md', 'src/x.ts'], { sourceActionName: 'Source', branch: 'dev' }],
    ['two sources: the one on the pushed repository', twoSources, 'tools', 'refs/heads/stable', undefined, { sourceActionName: 'Tools', branch: 'stable' }],
    ['other refs start nothing', filtered, 'seed-app', 'refs/notes/x', undefined, undefined],
  ]
  for (const [name, pipeline, repositoryName, ref, changedFiles, expected] of table) {
    it(name, () => {
      assert.deepEqual(triggerFor(pipeline, { repositoryName, ref, ...(changedFiles && { changedFiles }) }), expected)
    })
  }
})
