import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { imagesToExpire, LifecyclePolicyInvalid, parseLifecyclePolicy } from '../../src/registry/model/lifecycle.ts'
import { ManifestInvalid, MEDIA, parseManifest } from '../../src/registry/model/manifest.ts'
import { issueToken, readToken, sealMatches } from '../../src/registry/service/token-seal.ts'
import { isRepositoryName, repositoryNameOfArn } from '../../src/registry/model/names.ts'

const day = 24 * 60 * 60 * 1000
const now = new Date('2026-12-01T00:00:00Z')
const image = (digest: string, tags: string[], daysAgo: number) => ({ digest, tags, pushedAt: new Date(now.getTime() - daysAgo * day) })
const rule = (priority: number, selection: Record<string, unknown>) => ({ rulePriority: priority, selection, action: { type: 'expire' } })
const policy = (...rules: unknown[]) => parseLifecyclePolicy(JSON.stringify({ rules }))

describe('lifecycle policies', () => {
  it('keeps the newest N of what a count rule selects', () => {
    const rules = policy(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 }))
    const images = [image('a', ['1'], 5), image('b', [], 4), image('c', ['3'], 3), image('d', ['4'], 1)]
    assert.deepEqual(imagesToExpire(rules, images, now).sort(), ['a', 'b'])
  })

  it('expires by age, and lets a higher-priority rule shield what it selects from lower ones', () => {
    const rules = policy(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 5 }),
      rule(2, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }),
    )
    const images = [image('prod-old', ['prod-1'], 30), image('dev-old', ['dev-1'], 30), image('untagged-new', [], 1)]
    assert.deepEqual(imagesToExpire(rules, images, now), ['dev-old'])
  })

  it('matches tag patterns with wildcards, every pattern by some tag', () => {
    const rules = policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['release-*-final', '*amd64'], countType: 'imageCountMoreThan', countNumber: 1 }))
    const images = [image('x', ['release-1-final', 'v1-amd64'], 3), image('y', ['release-2-final', 'v2-amd64'], 2), image('z', ['release-3-final'], 1)]
    assert.deepEqual(imagesToExpire(rules, images, now), ['x'])
  })

  it('refuses what ECR refuses', () => {
    const bad = [
      [rule(1, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })],
      [rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 1 })],
      [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 })],
      [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }), rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })],
      [rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }), rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 2 })],
    ]
    for (const rules of bad) assert.throws(() => policy(...rules), LifecyclePolicyInvalid, JSON.stringify(rules))
    assert.throws(() => parseLifecyclePolicy('not json'), LifecyclePolicyInvalid)
  })
})

describe('manifests', () => {
  const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`
  it('reads blobs and size from an image manifest, children from an index', () => {
    const m = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { digest: d(1), size: 10 }, layers: [{ digest: d(2), size: 100 }, { digest: d(3), size: 1000 }] })), MEDIA.dockerManifest)
    assert.deepEqual(m.blobs.map((b) => b.digest), [d(1), d(2), d(3)])
    assert.equal(m.imageSize, 1110)
    const i = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: d(4), size: 5 }, { digest: d(5), size: 5 }] })), undefined)
    assert.equal(i.mediaType, MEDIA.ociIndex)
    assert.deepEqual(i.children, [d(4), d(5)])
  })
  it('refuses schema 1, mismatched media types and bad descriptors', () => {
    assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}'), MEDIA.dockerSchema1Signed), ManifestInvalid)
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { digest: d(1), size: 1 }, layers: [] })), MEDIA.dockerManifest), ManifestInvalid)
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: 'md5:x', size: 1 }, layers: [] })), MEDIA.ociManifest), ManifestInvalid)
  })
})

describe('authorization tokens and names', () => {
  it('seals a token to its key and expiry', () => {
    const token = issueToken('AKIAABCDEFGHIJKLMNOP', 'secret', new Date(1_000_000))
    const claim = readToken(token)!
    assert.equal(claim.keyId, 'AKIAABCDEFGHIJKLMNOP')
    assert.equal(claim.expiresAt, 1_000_000)
    assert.ok(sealMatches(claim, 'secret'))
    assert.ok(!sealMatches(claim, 'other'))
    assert.ok(!sealMatches({ ...claim, expiresAt: 2_000_000 }, 'secret'), 'a moved expiry breaks the seal')
    assert.equal(readToken('AKIA:secret'), undefined)
  })
  it('follows ECR\'s repository name rules', () => {
    for (const ok of ['ab', 'team/app', 'a.b-c_d/e']) assert.ok(isRepositoryName(ok), ok)
    for (const bad of ['a', 'Team/app', 'app/', '/app', 'a//b', 'a..b']) assert.ok(!isRepositoryName(bad), bad)
    assert.equal(repositoryNameOfArn('arn:aws:ecr:us-east-1:000000000000:repository/team/app'), 'team/app')
  })
})
