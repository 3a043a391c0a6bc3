import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { SLIPWAY_BIN, tempDir } from '../helpers/server.ts'
import { dockerUnavailableReason, ensureTestImage } from '../helpers/docker.ts'
import { run } from '../helpers/run.ts'

const SYSTEM_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => fs.existsSync(p)) ?? process.execPath
const noDocker = await dockerUnavailableReason()

const BUILDSPEC = `version: 0.2
env:
  variables:
    NAME: local
  exported-variables: [VERSION]
phases:
  build:
    commands:
      - export VERSION="1.2.$CODEBUILD_BUILD_NUMBER"
      - mkdir -p dist/sub && echo "hello $NAME $VERSION" > dist/app.txt && echo x > dist/sub/x.txt
artifacts:
  files: ['**/*']
  base-directory: dist
  discard-paths: yes
`

function project(buildspec: string): string {
  const dir = tempDir('local-build')
  fs.writeFileSync(path.join(dir, 'buildspec.yml'), buildspec)
  return dir
}

describe('slipway build (local, no server)', () => {
  for (const executor of ['host', 'docker'] as const) {
    it(`runs ./buildspec.yml in place with the ${executor} executor and copies artifacts`, { skip: executor === 'docker' && noDocker }, async () => {
      const dir = project(BUILDSPEC)
      const args = [SLIPWAY_BIN, 'build', '--executor', executor, ...(executor === 'docker' ? ['--image', await ensureTestImage()] : [])]
      const r = await run(SYSTEM_NODE, args, { cwd: dir })
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stdout, /Running command export VERSION/)
      assert.match(r.stdout, /exported VERSION=1\.2\.1/)
      assert.match(r.stdout, /Build SUCCEEDED/)
      assert.equal(fs.readFileSync(path.join(dir, '.slipway-artifacts', 'app.txt'), 'utf8'), 'hello local 1.2.1\n')
      assert.ok(fs.existsSync(path.join(dir, '.slipway-artifacts', 'x.txt')), 'discard-paths flattens')
    })
  }

  it('exits 1 when the build fails, and 2 without a buildspec', async () => {
    const dir = project('version: 0.2\nphases:\n  build:\n    commands:\n      - echo "$SECRET_IN"\n      - test -f missing.txt\n')
    const r = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'build', '--executor', 'host', '--env', 'SECRET_IN=value-from-flag'], { cwd: dir })
    assert.equal(r.code, 1)
    assert.match(r.stdout, /value-from-flag/)
    assert.match(r.stdout, /BUILD\s+FAILED/)
    const empty = await run(SYSTEM_NODE, [SLIPWAY_BIN, 'build'], { cwd: tempDir('empty') })
    assert.equal(empty.code, 2)
    assert.match(empty.stderr, /no buildspec/)
  })
})
