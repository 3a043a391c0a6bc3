import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { dockerUnavailableReason, ensureTestImage, TEST_IMAGE } from '../helpers/docker.ts'
import { docker, dockerClientEnv, localImageId, registryToolsMissing, skopeo, startDockerRegistry, writeOciLayout, type DockerRegistry } from '../helpers/registry.ts'
import { issueToken } from '../../src/registry/service/token-seal.ts'

/**
 * Slipway's ECR: the AWS CLI manages repositories and images, the real docker CLI and engine push and
 * pull, skopeo copies to and from Debian's docker-registry (distribution), and a pull-through rule
 * caches an upstream registry.
 */
describe('ECR registry (docker, skopeo, docker-registry, AWS CLI)', () => {
  let server: TestServer
  let skip: string | undefined
  let upstream: DockerRegistry
  let host: string
  let password: string
  let dockerEnv: Record<string, string>
  let dir: string

  before(async () => {
    skip = (await dockerUnavailableReason()) ?? registryToolsMissing()
    if (skip) return
    await ensureTestImage()
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    host = new URL(server.url).host
    upstream = await startDockerRegistry()
    dir = tempDir('registry')
    dockerEnv = dockerClientEnv()
    const res = await aws(server, ['ecr', 'get-login-password'])
    assert.equal(res.code, 0, res.stderr)
    password = res.stdout.trim()
  })

  after(async () => {
    await upstream?.stop()
    await server?.stop()
  })

  const ecr = async (args: string[]) => aws(server, ['ecr', ...args])
  const ok = async (args: string[]) => {
    const res = await ecr(args)
    assert.equal(res.code, 0, res.stderr)
    return res.json
  }
  const toSlipway = ['--dest-tls-verify=false']
  const creds = () => `AWS:${password}`

  it('creates repositories with the AWS CLI and answers bad input with ECR\'s errors', async (t) => {
    if (skip) return t.skip(skip)
    const created = await ok(['create-repository', '--repository-name', 'demo/app'])
    assert.equal(created.repository.repositoryUri, `${host}/demo/app`)
    assert.equal(created.repository.repositoryArn, 'arn:aws:ecr:us-east-1:000000000000:repository/demo/app')
    assert.equal(created.repository.imageTagMutability, 'MUTABLE')
    assert.equal((await ecr(['create-repository', '--repository-name', 'demo/app'])).errorCode, 'RepositoryAlreadyExistsException')
    const bad = await ecr(['create-repository', '--repository-name', 'Demo/App'])
    assert.equal(bad.errorCode, 'InvalidParameterException', bad.stderr)
    assert.equal((await ecr(['describe-repositories', '--repository-names', 'nope'])).errorCode, 'RepositoryNotFoundException')
    const listed = await ok(['describe-repositories'])
    assert.deepEqual(listed.repositories.map((r: { repositoryName: string }) => r.repositoryName), ['demo/app'])
  })

  it('logs docker in with get-login-password, pushes two tags of one image, and pulls back the identical image', async (t) => {
    if (skip) return t.skip(skip)
    const login = await docker(['login', '--username', 'AWS', '--password-stdin', host], dockerEnv, password)
    assert.equal(login.code, 0, login.stderr)
    for (const tag of ['v1', 'latest']) {
      assert.equal((await docker(['tag', TEST_IMAGE, `${host}/demo/app:${tag}`], dockerEnv)).code, 0)
      const pushed = await docker(['push', `${host}/demo/app:${tag}`], dockerEnv)
      assert.equal(pushed.code, 0, pushed.stderr + pushed.stdout)
    }
    const described = await ok(['describe-images', '--repository-name', 'demo/app'])
    assert.equal(described.imageDetails.length, 1)
    const image = described.imageDetails[0]
    assert.deepEqual([...image.imageTags].sort(), ['latest', 'v1'])
    assert.match(image.imageDigest, /^sha256:[a-f0-9]{64}$/)
    assert.equal(image.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json')
    assert.ok(image.imageSizeInBytes > 0)

    const original = await localImageId(TEST_IMAGE)
    assert.equal((await docker(['rmi', `${host}/demo/app:v1`, `${host}/demo/app:latest`], dockerEnv)).code, 0)
    const pulled = await docker(['pull', `${host}/demo/app:v1`], dockerEnv)
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.match(pulled.stdout, new RegExp(image.imageDigest))
    assert.equal(await localImageId(`${host}/demo/app:v1`), original)
  })

  it('copies with skopeo between Slipway and docker-registry both ways, a multi-arch index unchanged', async (t) => {
    if (skip) return t.skip(skip)
    const layout = path.join(dir, 'multi')
    const written = await writeOciLayout(layout, [
      { tag: 'amd', files: { 'arch.txt': 'amd64\n' }, architecture: 'amd64' },
      { tag: 'arm', files: { 'arch.txt': 'arm64\n' }, architecture: 'arm64' },
    ], 'multi')
    await ok(['create-repository', '--repository-name', 'demo/multi'])
    let res = await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://${upstream.host}/multi:1`])
    assert.equal(res.code, 0, res.stderr)
    res = await skopeo(['copy', '--all', '--src-tls-verify=false', ...toSlipway, '--dest-creds', creds(), `docker://${upstream.host}/multi:1`, `docker://${host}/demo/multi:1`])
    assert.equal(res.code, 0, res.stderr)
    res = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(), `docker://${host}/demo/multi:1`])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, written.index!.manifest.toString())

    res = await skopeo(['copy', '--all', '--src-tls-verify=false', '--src-creds', creds(), '--dest-tls-verify=false', `docker://${host}/demo/multi:1`, `docker://${upstream.host}/back:1`])
    assert.equal(res.code, 0, res.stderr)
    res = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${upstream.host}/back:1`])
    assert.equal(res.stdout, written.index!.manifest.toString())
    res = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${upstream.host}/back@${written.images[1]!.digest}`])
    assert.equal(res.stdout, written.images[1]!.manifest.toString(), 'the arm64 child came back byte for byte')

    const images = await ok(['describe-images', '--repository-name', 'demo/multi'])
    const index = images.imageDetails.find((d: { imageTags?: string[] }) => d.imageTags?.includes('1'))
    assert.equal(index.imageDigest, written.index!.digest)
    assert.equal(index.imageManifestMediaType, 'application/vnd.oci.image.index.v1+json')
    assert.equal(images.imageDetails.length, 3, 'the index and its two platform images')
    const got = await ok(['batch-get-image', '--repository-name', 'demo/multi', '--image-ids', 'imageTag=1'])
    assert.equal(got.images[0].imageManifest, written.index!.manifest.toString())
    const child = await ok(['batch-delete-image', '--repository-name', 'demo/multi', '--image-ids', `imageDigest=${written.images[0]!.digest}`])
    assert.equal(child.failures[0].failureCode, 'ImageReferencedByManifestList', 'a platform image of an index stays while the index does')
  })

  it('refuses a wrong password and an expired token, and challenges an anonymous client', async (t) => {
    if (skip) return t.skip(skip)
    const anonymous = await fetch(`${server.url}/v2/`)
    assert.equal(anonymous.status, 401)
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/)
    assert.equal(((await anonymous.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED')

    let res = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', 'AWS:not-a-token', `docker://${host}/demo/app:v1`])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /unauthorized/i)
    const expired = issueToken(server.accessKeyId, server.secretAccessKey, new Date(Date.now() - 60_000))
    res = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `AWS:${expired}`, `docker://${host}/demo/app:v1`])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /expired/i)
    const forged = issueToken(server.accessKeyId, 'not-the-secret', new Date(Date.now() + 60_000))
    res = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `AWS:${forged}`, `docker://${host}/demo/app:v1`])
    assert.notEqual(res.code, 0)
    const login = await docker(['login', '--username', 'AWS', '--password-stdin', host], dockerClientEnv(), 'wrong')
    assert.notEqual(login.code, 0)
  })

  it('keeps IMMUTABLE tags where they are, for docker clients and PutImage alike', async (t) => {
    if (skip) return t.skip(skip)
    await ok(['create-repository', '--repository-name', 'demo/immutable', '--image-tag-mutability', 'IMMUTABLE'])
    const layout = path.join(dir, 'immutable')
    const written = await writeOciLayout(layout, [{ tag: 'a', files: { 'a.txt': 'a\n' } }, { tag: 'b', files: { 'b.txt': 'b\n' } }])
    let res = await skopeo(['copy', ...toSlipway, '--dest-creds', creds(), `oci:${layout}:a`, `docker://${host}/demo/immutable:1`])
    assert.equal(res.code, 0, res.stderr)
    res = await skopeo(['copy', ...toSlipway, '--dest-creds', creds(), `oci:${layout}:b`, `docker://${host}/demo/immutable:1`])
    assert.notEqual(res.code, 0, 'moving an immutable tag must fail')
    assert.match(res.stderr, /tag invalid|cannot be overwritten/i)
    // The failed push left b's blobs in the repository (pushed before its manifest was refused).
    const moved = await ecr(['put-image', '--repository-name', 'demo/immutable', '--image-tag', '1', '--image-manifest', written.images[1]!.manifest.toString()])
    assert.equal(moved.errorCode, 'ImageTagAlreadyExistsException', moved.stderr)
    const same = await ecr(['put-image', '--repository-name', 'demo/immutable', '--image-tag', '1', '--image-manifest', written.images[0]!.manifest.toString()])
    assert.equal(same.errorCode, 'ImageAlreadyExistsException', same.stderr)
    const listed = await ok(['list-images', '--repository-name', 'demo/immutable'])
    assert.deepEqual(listed.imageIds.find((i: { imageTag?: string }) => i.imageTag === '1').imageDigest, written.images[0]!.digest)
  })

  it('applies a lifecycle policy: "keep the last 3 images" leaves exactly 3 after 5 pushes', async (t) => {
    if (skip) return t.skip(skip)
    await ok(['create-repository', '--repository-name', 'demo/lifecycle'])
    const policy = JSON.stringify({ rules: [{ rulePriority: 1, description: 'keep the last 3', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } }] })
    const bad = await ecr(['put-lifecycle-policy', '--repository-name', 'demo/lifecycle', '--lifecycle-policy-text', '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}'])
    assert.equal(bad.errorCode, 'InvalidParameterException', 'tagged without a prefix list is refused')
    await ok(['put-lifecycle-policy', '--repository-name', 'demo/lifecycle', '--lifecycle-policy-text', policy])
    const layout = path.join(dir, 'lifecycle')
    const tags = ['t1', 't2', 't3', 't4', 't5']
    await writeOciLayout(layout, tags.map((tag) => ({ tag, files: { 'n.txt': `${tag}\n` } })))
    for (const tag of tags) {
      const res = await skopeo(['copy', ...toSlipway, '--dest-creds', creds(), `oci:${layout}:${tag}`, `docker://${host}/demo/lifecycle:${tag}`])
      assert.equal(res.code, 0, res.stderr)
    }
    const listed = await ok(['list-images', '--repository-name', 'demo/lifecycle'])
    assert.deepEqual(listed.imageIds.map((i: { imageTag: string }) => i.imageTag).sort(), ['t3', 't4', 't5'])
    const got = await ok(['get-lifecycle-policy', '--repository-name', 'demo/lifecycle'])
    assert.equal(got.lifecyclePolicyText, policy)
    assert.ok(got.lastEvaluatedAt)
    const res = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(), `docker://${host}/demo/lifecycle:t1`])
    assert.notEqual(res.code, 0, 'the expired image is gone from the registry too')
  })

  it('deletes by tag (the tag) and by digest (the image); DeleteRepository needs force while images remain', async (t) => {
    if (skip) return t.skip(skip)
    const before = await ok(['describe-images', '--repository-name', 'demo/app'])
    const digest = before.imageDetails[0].imageDigest
    const byTag = await ok(['batch-delete-image', '--repository-name', 'demo/app', '--image-ids', 'imageTag=latest'])
    assert.deepEqual(byTag.imageIds, [{ imageDigest: digest, imageTag: 'latest' }])
    const after = await ok(['describe-images', '--repository-name', 'demo/app'])
    assert.deepEqual(after.imageDetails[0].imageTags, ['v1'])
    const missing = await ok(['batch-delete-image', '--repository-name', 'demo/app', '--image-ids', 'imageTag=nope'])
    assert.equal(missing.failures[0].failureCode, 'ImageNotFound')
    assert.equal((await ecr(['delete-repository', '--repository-name', 'demo/app'])).errorCode, 'RepositoryNotEmptyException')
    await ok(['delete-repository', '--repository-name', 'demo/app', '--force'])
    assert.equal((await ecr(['describe-images', '--repository-name', 'demo/app'])).errorCode, 'RepositoryNotFoundException')
    const gone = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds(), `docker://${host}/demo/app:v1`])
    assert.notEqual(gone.code, 0)
  })

  it('pulls through a cache rule from an upstream registry, and serves the cached image once the upstream is stopped', async (t) => {
    if (skip) return t.skip(skip)
    assert.equal((await docker(['tag', TEST_IMAGE, `${upstream.host}/library/tool:1`], dockerEnv)).code, 0)
    const seeded = await docker(['push', `${upstream.host}/library/tool:1`], dockerEnv)
    assert.equal(seeded.code, 0, seeded.stderr)
    // A host name, as ECR takes it (the AWS CLI v1 would fetch an http:// parameter's URL itself).
    await ok(['create-pull-through-cache-rule', '--ecr-repository-prefix', 'hub', '--upstream-registry-url', upstream.host])
    const rules = await ok(['describe-pull-through-cache-rules'])
    assert.equal(rules.pullThroughCacheRules[0].ecrRepositoryPrefix, 'hub')
    const dup = await ecr(['create-pull-through-cache-rule', '--ecr-repository-prefix', 'hub', '--upstream-registry-url', upstream.host])
    assert.equal(dup.errorCode, 'PullThroughCacheRuleAlreadyExistsException')

    const ref = `${host}/hub/library/tool:1`
    let pulled = await docker(['pull', ref], dockerEnv)
    assert.equal(pulled.code, 0, pulled.stderr)
    const id = await localImageId(ref)
    assert.equal(id, await localImageId(TEST_IMAGE))
    const repos = await ok(['describe-repositories', '--repository-names', 'hub/library/tool'])
    assert.equal(repos.repositories[0].repositoryName, 'hub/library/tool')

    await upstream.stop()
    try {
      assert.equal((await docker(['rmi', ref], dockerEnv)).code, 0)
      pulled = await docker(['pull', ref], dockerEnv)
      assert.equal(pulled.code, 0, `a cached pull needs no upstream: ${pulled.stderr}`)
      assert.equal(await localImageId(ref), id)
      const missing = await docker(['pull', `${host}/hub/library/other:1`], dockerEnv)
      assert.notEqual(missing.code, 0, 'what was never cached cannot come from a stopped upstream')
    } finally {
      await upstream.start()
    }
  })
})

