import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsCliAvailable, AWS } from '../helpers/aws-cli.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'
import { run } from '../helpers/run.ts'

const cliMissing = !(await awsCliAvailable())

describe('CodeBuild S3 sources, plain artifacts and build management (AWS CLI)', { skip: cliMissing && `AWS CLI '${AWS}' not installed` }, () => {
  let server: TestServer
  const work = tempDir('cb-s3')
  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://sources'])).code, 0)
    assert.equal((await aws(server, ['s3', 'mb', 's3://out'])).code, 0)
  })
  after(async () => {
    await server?.stop()
  })

  it('builds a zip from S3 and writes unzipped artifacts under the build id', async () => {
    const src = path.join(work, 'src')
    fs.mkdirSync(path.join(src, 'lib'), { recursive: true })
    fs.writeFileSync(path.join(src, 'buildspec.yml'), 'version: 0.2\nphases:\n  build:\n    commands:\n      - mkdir -p out && cp lib/*.txt out/ && echo built > out/result.txt\nartifacts:\n  files: [\'out/**/*\']\n')
    fs.writeFileSync(path.join(src, 'lib', 'a.txt'), 'a\n')
    const zip = path.join(work, 'source.zip')
    const zipped = await run('python3', ['-c', 'import sys,os,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nfor r,_,fs in os.walk(sys.argv[2]):\n  for f in fs:\n    p=os.path.join(r,f); z.write(p, os.path.relpath(p, sys.argv[2]))\nz.close()', zip, src])
    assert.equal(zipped.code, 0, zipped.stderr)
    assert.equal((await aws(server, ['s3', 'cp', zip, 's3://sources/app/source.zip'])).code, 0)

    const created = await aws(server, ['codebuild', 'create-project', '--name', 's3-app', '--source', 'type=S3,location=sources/app/source.zip',
      '--artifacts', 'type=S3,location=out,packaging=NONE,name=files,namespaceType=BUILD_ID',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 's3-app'])
    const build = await waitForBuild(codeBuildClient(server), started.json.build.id)
    assert.equal(build.buildStatus, 'SUCCEEDED', JSON.stringify(build.phases))
    const uuid = build.id!.split(':')[1]
    const listed = await aws(server, ['s3', 'ls', '--recursive', `s3://out/${uuid}/files/`])
    const keys = listed.stdout.trim().split('\n').map((l) => l.split(/\s+/).pop()).sort()
    assert.deepEqual(keys, [`${uuid}/files/out/a.txt`, `${uuid}/files/out/result.txt`])
  })

  it('takes a single string for files, as the ECS tutorial writes `files: imagedefinitions.json`', async () => {
    const spec = [
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands:',
      `      - printf '[{"name":"web","imageUri":"%s"}]' "registry.local/web:1" > imagedefinitions.json`,
      '      - echo noise > other.txt',
      'artifacts:',
      '  files: imagedefinitions.json',
    ].join('\n')
    const created = await aws(server, ['codebuild', 'create-project', '--name', 'one-file', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: spec }),
      '--artifacts', 'type=S3,location=out,packaging=NONE,name=defs',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(created.code, 0, created.stderr)
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'one-file'])
    const build = await waitForBuild(codeBuildClient(server), started.json.build.id)
    assert.equal(build.buildStatus, 'SUCCEEDED', JSON.stringify(build.phases))
    const listed = await aws(server, ['s3', 'ls', '--recursive', 's3://out/defs/'])
    assert.deepEqual(listed.stdout.trim().split('\n').map((l) => l.split(/\s+/).pop()), ['defs/imagedefinitions.json'])
    const body = await aws(server, ['s3', 'cp', 's3://out/defs/imagedefinitions.json', '-'])
    assert.deepEqual(JSON.parse(body.stdout), [{ name: 'web', imageUri: 'registry.local/web:1' }])
  })

  it('retries, lists, and deletes builds', async () => {
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 's3-app'])
    const first = await waitForBuild(codeBuildClient(server), started.json.build.id)
    const retried = await aws(server, ['codebuild', 'retry-build', '--id', first.id!])
    assert.equal(retried.code, 0, retried.stderr)
    assert.notEqual(retried.json.build.id, first.id)
    assert.equal(retried.json.build.buildNumber, first.buildNumber! + 1)
    await waitForBuild(codeBuildClient(server), retried.json.build.id)

    const forProject = await aws(server, ['codebuild', 'list-builds-for-project', '--project-name', 's3-app', '--sort-order', 'ASCENDING'])
    assert.equal(forProject.json.ids.length, 3)
    assert.equal(forProject.json.ids[1], first.id)
    const all = await aws(server, ['codebuild', 'list-builds'])
    assert.equal(all.json.ids[0], retried.json.build.id, 'newest first')

    const deleted = await aws(server, ['codebuild', 'batch-delete-builds', '--ids', first.id!, 'nope:00000000-0000-0000-0000-000000000001'])
    assert.deepEqual(deleted.json.buildsDeleted, [first.id])
    assert.deepEqual(deleted.json.buildsNotDeleted, [{ id: 'nope:00000000-0000-0000-0000-000000000001', statusCode: 'BUILD_NOT_FOUND' }])
    assert.deepEqual((await aws(server, ['codebuild', 'batch-get-builds', '--ids', first.id!])).json.buildsNotFound, [first.id])

    const updated = await aws(server, ['codebuild', 'update-project', '--name', 's3-app', '--description', 'now described', '--timeout-in-minutes', '30'])
    assert.equal(updated.json.project.description, 'now described')
    assert.equal(updated.json.project.timeoutInMinutes, 30)
    assert.equal((await aws(server, ['codebuild', 'delete-project', '--name', 's3-app'])).code, 0)
    assert.deepEqual((await aws(server, ['codebuild', 'batch-get-projects', '--names', 's3-app'])).json.projectsNotFound, ['s3-app'])
  })
})
