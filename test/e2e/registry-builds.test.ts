import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, AWS } from '../helpers/aws-cli.ts'
import { run } from '../helpers/run.ts'
import { basicUrl, gitOk, makeWorkTree } from '../helpers/git.ts'
import { codeBuildClient, waitForBuild } from '../helpers/codebuild.ts'
import { codePipelineClient, waitForExecution } from '../helpers/codepipeline.ts'
import { createPipeline } from '../helpers/pipeline-fixtures.ts'
import { dockerUnavailableReason, ensureDockerCliImage, ensureTestImage, TEST_IMAGE } from '../helpers/docker.ts'
import { docker, dockerClientEnv, localImageId } from '../helpers/registry.ts'
import { ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline'

const DOCKERFILE = `FROM ${TEST_IMAGE}\nCOPY app.txt /app.txt\nCMD ["cat", "/app.txt"]\n`

/** Seed 002's buildspec, names aside; the login line as the issue asks (get-login-password). */
async function seed002Buildspec(): Promise<{ text: string; note?: string }> {
  const buildx = (await run('docker', ['buildx', 'version'])).code === 0
  const build = buildx
    ? 'docker buildx build --platform=linux/amd64 -t $REPOSITORY_URI:$CODEBUILD_RESOLVED_SOURCE_VERSION .'
    : 'docker build -t $REPOSITORY_URI:$CODEBUILD_RESOLVED_SOURCE_VERSION .'
  const text = `version: 0.2

phases:
  pre_build:
    commands:
      - echo Logging in to Amazon ECR...
      - aws --version
      - REPOSITORY_URI=$(aws ecr describe-repositories --repository-names $ECR_REPOSITORY --query 'repositories[0].repositoryUri' --output text)
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin \${REPOSITORY_URI%%/*}
  build:
    commands:
      - echo Build started on \`date\`
      - echo Building the Docker image...
      - ${build}
  post_build:
    commands:
      - echo Build completed on \`date\`
      - echo Pushing the Docker image...
      - docker push $REPOSITORY_URI:$CODEBUILD_RESOLVED_SOURCE_VERSION
      - docker tag $REPOSITORY_URI:$CODEBUILD_RESOLVED_SOURCE_VERSION $REPOSITORY_URI:latest
      - docker push $REPOSITORY_URI:latest
      - echo Writing image definitions file...
      - printf '[{"name":"%s","imageUri":"%s"}]' $CONTAINER_NAME $REPOSITORY_URI:$CODEBUILD_RESOLVED_SOURCE_VERSION > imagedefinitions.json
artifacts:
  files: imagedefinitions.json
  discard-paths: yes
`
  return buildx ? { text } : { text, note: 'docker buildx is not installed here (Debian bookworm has no docker-buildx package): the build line is seed 002\'s with `docker build` for `docker buildx build --platform=linux/amd64`' }
}

/** Seed 000's buildspec (its phase indentation mended), logging in the AWS CLI v1 way. */
const SEED_000 = `version: 0.2
env:
  variables:
    ECS_TASK_CONTAINER: "my_ecs_tast_container"
phases:
  build:
    commands:
      - VERSION=$(date "+%Y%m%d%H%M%S")

      - echo Build docker image
      - docker build -t $ECR_REPOSITORY_URI:$VERSION .
      - echo Push docker image
      - $(aws ecr get-login --no-include-email)
      - docker push $ECR_REPOSITORY_URI:$VERSION
      - echo Create task file
      - |
        printf \\
          '[{"name":"%s","imageUri":"%s"}]' \\
          $ECS_TASK_CONTAINER \\
          $ECR_REPOSITORY_URI:$VERSION > \\
          imagedefinitions.json
artifacts:
  files: imagedefinitions.json
`

/**
 * Container pipelines as our founding documents write them: a push starts a pipeline whose
 * privileged CodeBuild builds the repository's Dockerfile with the host's Docker engine, logs in to
 * Slipway's ECR with the build's own key, pushes, and writes imagedefinitions.json.
 */
describe('Docker builds that push to Slipway\'s ECR (host executor)', () => {
  let server: TestServer
  let skip: string | undefined
  let dir: string
  let host: string

  before(async () => {
    skip = await dockerUnavailableReason()
    if (skip) return
    await ensureTestImage()
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    host = new URL(server.url).host
    dir = tempDir('registry-builds')
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
  })

  after(async () => {
    await server?.stop()
  })

  const project = async (name: string, env: Record<string, string>, privileged: boolean, buildspec?: string) => {
    const res = await aws(server, ['codebuild', 'create-project', '--name', name,
      '--source', JSON.stringify({ type: 'CODEPIPELINE', ...(buildspec ? { buildspec } : {}) }), '--artifacts', 'type=CODEPIPELINE',
      '--environment', JSON.stringify({
        type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', privilegedMode: privileged,
        environmentVariables: Object.entries(env).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
      }), '--service-role', 'r'])
    assert.equal(res.code, 0, res.stderr)
  }

  /** A repository holding `files`, and a pipeline Source → Build on it; returns the pushed commit. */
  const pushAndRun = async (name: string, files: Record<string, string>) => {
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', name])).code, 0)
    const created = await createPipeline(server, dir, {
      name,
      stages: [
        { name: 'Source', actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: name, BranchName: 'main', PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'SourceArtifact' }] }] },
        { name: 'Build', actions: [{ name: 'Build', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: name }, inputArtifacts: [{ name: 'SourceArtifact' }], outputArtifacts: [{ name: 'BuildArtifact' }] }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const work = path.join(dir, name)
    const commit = await makeWorkTree(work, files)
    await gitOk(work, ['push', '-q', basicUrl(server.url, name, server.accessKeyId, server.secretAccessKey), 'HEAD:main'])
    const client = codePipelineClient(server)
    const deadline = Date.now() + 60_000
    let executionId: string | undefined
    while (!executionId && Date.now() < deadline) {
      const listed = await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', name])
      executionId = listed.json?.pipelineExecutionSummaries?.[0]?.pipelineExecutionId
      if (!executionId) await new Promise((r) => setTimeout(r, 200))
    }
    assert.ok(executionId, 'the push started the pipeline')
    const done = await waitForExecution(client, name, executionId, undefined, 240_000)
    const actions = (await client.send(new ListActionExecutionsCommand({ pipelineName: name, filter: { pipelineExecutionId: executionId } }))).actionExecutionDetails!
    client.destroy()
    const build = actions.find((a) => a.actionName === 'Build')
    const buildId = build?.output?.executionResult?.externalExecutionId
    const log = buildId ? (await run(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'cli', 'main.ts'), 'logs', buildId, '--data-dir', server.dataDir])).stdout : ''
    return { commit: commit.trim(), done, build, log }
  }

  const artifactFiles = async (build: { output?: { outputArtifacts?: { s3location?: { bucket?: string; key?: string } }[] } } | undefined, name: string) => {
    const loc = build!.output!.outputArtifacts![0]!.s3location!
    const zip = path.join(dir, `${name}.zip`)
    assert.equal((await aws(server, ['s3', 'cp', `s3://${loc.bucket}/${loc.key}`, zip])).code, 0)
    const listed = await run('python3', ['-c', 'import sys,zipfile,json; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))', zip])
    return JSON.parse(listed.stdout) as Record<string, string>
  }

  it('seed 002: git push → privileged build → get-login-password, docker build, push of two tags, imagedefinitions.json', async (t) => {
    if (skip) return t.skip(skip)
    const spec = await seed002Buildspec()
    if (spec.note) t.diagnostic(spec.note)
    assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', 'seed-two'])).code, 0)
    await project('seed-two', { ECR_REPOSITORY: 'seed-two', CONTAINER_NAME: 'web' }, true)
    const { commit, done, build, log } = await pushAndRun('seed-two', { 'buildspec.yml': spec.text, Dockerfile: DOCKERFILE, 'app.txt': 'seed two\n' })
    assert.equal(done.status, 'Succeeded', `${done.statusSummary ?? ''}\n${log}`)
    assert.match(log, /Login Succeeded/)

    const files = await artifactFiles(build, 'seed-two')
    assert.deepEqual(Object.keys(files), ['imagedefinitions.json'], 'discard-paths: yes puts it at the root')
    assert.deepEqual(JSON.parse(files['imagedefinitions.json']!), [{ name: 'web', imageUri: `${host}/seed-two:${commit}` }])

    const described = await aws(server, ['ecr', 'describe-images', '--repository-name', 'seed-two'])
    assert.equal(described.json.imageDetails.length, 1, 'both tags name one image')
    assert.deepEqual([...described.json.imageDetails[0].imageTags].sort(), [commit, 'latest'].sort())
    const digest = described.json.imageDetails[0].imageDigest

    // The host's docker pulls the identical image.
    const env = dockerClientEnv()
    const password = (await aws(server, ['ecr', 'get-login-password'])).stdout.trim()
    assert.equal((await docker(['login', '--username', 'AWS', '--password-stdin', host], env, password)).code, 0)
    const built = await localImageId(`${host}/seed-two:${commit}`)
    await docker(['rmi', `${host}/seed-two:${commit}`, `${host}/seed-two:latest`], env)
    const pulled = await docker(['pull', `${host}/seed-two:latest`], env)
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.match(pulled.stdout, new RegExp(digest))
    assert.equal(await localImageId(`${host}/seed-two:latest`), built)
    const ran = await docker(['run', '--rm', '--network', 'none', `${host}/seed-two:latest`], env)
    assert.equal(ran.stdout, 'seed two\n')
  })

  it('seed 000: $(aws ecr get-login --no-include-email) logs in with the AWS CLI v1', async (t) => {
    if (skip) return t.skip(skip)
    const version = (await run(AWS, ['--version'])).stdout + (await run(AWS, ['--version'])).stderr
    if (!/aws-cli\/1\./.test(version)) return t.skip(`aws ecr get-login exists only in the AWS CLI v1; this machine has ${version.trim()}`)
    assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', 'seed-zero'])).code, 0)
    await project('seed-zero', { ECR_REPOSITORY_URI: `${host}/seed-zero` }, true)
    const { done, build, log } = await pushAndRun('seed-zero', { 'buildspec.yml': SEED_000, Dockerfile: DOCKERFILE, 'app.txt': 'seed zero\n' })
    assert.equal(done.status, 'Succeeded', `${done.statusSummary ?? ''}\n${log}`)
    const files = await artifactFiles(build, 'seed-zero')
    const [definition] = JSON.parse(files['imagedefinitions.json']!) as { name: string; imageUri: string }[]
    assert.equal(definition!.name, 'my_ecs_tast_container')
    const tag = definition!.imageUri.split(':').at(-1)!
    const listed = await aws(server, ['ecr', 'list-images', '--repository-name', 'seed-zero'])
    assert.deepEqual(listed.json.imageIds.map((i: { imageTag: string }) => i.imageTag), [tag])
  })

  it('starts a pipeline at a push of the watched tag: the ECR source writes imageDetail.json naming the pushed digest', async (t) => {
    if (skip) return t.skip(skip)
    assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', 'ecr-src'])).code, 0)
    const check = 'version: 0.2\nphases:\n  build:\n    commands:\n      - cat imageDetail.json\n      - test -n "$PUSHED" && grep -q "$PUSHED" imageDetail.json\n'
    await project('check-image', {}, false, check)
    const created = await createPipeline(server, dir, {
      name: 'ecr-src',
      stages: [
        { name: 'Source', actions: [{ name: 'Image', namespace: 'SourceVariables', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' }, configuration: { RepositoryName: 'ecr-src', ImageTag: 'release' }, outputArtifacts: [{ name: 'ImageArtifact' }] }] },
        { name: 'Check', actions: [{ name: 'Check', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: 'check-image', EnvironmentVariables: '[{"name":"PUSHED","value":"#{SourceVariables.ImageDigest}","type":"PLAINTEXT"}]' }, inputArtifacts: [{ name: 'ImageArtifact' }] }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const client = codePipelineClient(server)
    const executions = async () => (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'ecr-src'])).json.pipelineExecutionSummaries as { pipelineExecutionId: string; status: string; trigger: { triggerType: string } }[]
    // A new pipeline runs once at creation; with no image tagged release yet, that run fails.
    for (const e of await executions()) await waitForExecution(client, 'ecr-src', e.pipelineExecutionId)
    const before = (await executions()).length

    const env = dockerClientEnv()
    const password = (await aws(server, ['ecr', 'get-login-password'])).stdout.trim()
    assert.equal((await docker(['login', '--username', 'AWS', '--password-stdin', host], env, password)).code, 0)
    assert.equal((await docker(['tag', TEST_IMAGE, `${host}/ecr-src:other`], env)).code, 0)
    assert.equal((await docker(['push', `${host}/ecr-src:other`], env)).code, 0)
    assert.equal((await docker(['tag', TEST_IMAGE, `${host}/ecr-src:release`], env)).code, 0)
    const pushed = await docker(['push', `${host}/ecr-src:release`], env)
    assert.equal(pushed.code, 0, pushed.stderr)
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)![1]!

    const deadline = Date.now() + 60_000
    let started: { pipelineExecutionId: string; trigger: { triggerType: string } } | undefined
    while (!started && Date.now() < deadline) {
      const list = await executions()
      if (list.length > before) started = list[0]
      else await new Promise((r) => setTimeout(r, 200))
    }
    assert.ok(started, 'the push of release started the pipeline')
    assert.equal((await executions()).length, before + 1, 'the push of other started nothing')
    assert.equal(started.trigger.triggerType, 'CloudWatchEvent')
    const done = await waitForExecution(client, 'ecr-src', started.pipelineExecutionId, undefined, 120_000)
    assert.equal(done.status, 'Succeeded', done.statusSummary)
    assert.equal(done.artifactRevisions?.[0]?.revisionId, digest)
    const actions = (await client.send(new ListActionExecutionsCommand({ pipelineName: 'ecr-src', filter: { pipelineExecutionId: started.pipelineExecutionId } }))).actionExecutionDetails!
    client.destroy()
    const source = actions.find((a) => a.actionName === 'Image')!
    assert.equal(source.output?.outputVariables?.ImageDigest, digest)
    assert.equal(source.output?.outputVariables?.ImageURI, `${host}/ecr-src@${digest}`)
    const files = await artifactFiles(source, 'ecr-src')
    const detail = JSON.parse(files['imageDetail.json']!)
    assert.equal(detail.ImageDigest, digest)
    assert.equal(detail.RepositoryName, 'ecr-src')
    assert.equal(detail.ImageURI, `${host}/ecr-src@${digest}`)
    assert.deepEqual(detail.ImageTags, ['other', 'release'], 'every tag of the image (other was pushed first, of the same image)')
    assert.match(detail.ImagePushedAt, /^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/)
  })

  it('builds and publishes an image with the ECRBuildAndPublish action', async (t) => {
    if (skip) return t.skip(skip)
    assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', 'published'])).code, 0)
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'published'])).code, 0)
    const created = await createPipeline(server, dir, {
      name: 'published',
      stages: [
        { name: 'Source', actions: [{ name: 'Source', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: 'published', BranchName: 'main', PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'SourceArtifact' }] }] },
        { name: 'Publish', actions: [{ name: 'Publish', namespace: 'PublishVariables', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'ECRBuildAndPublish', version: '1' }, configuration: { ECRRepositoryName: 'published', DockerFilePath: 'docker', ImageTags: 'v1,latest' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const work = path.join(dir, 'published')
    await makeWorkTree(work, { 'docker/Dockerfile': DOCKERFILE, 'docker/app.txt': 'published\n' })
    await gitOk(work, ['push', '-q', basicUrl(server.url, 'published', server.accessKeyId, server.secretAccessKey), 'HEAD:main'])
    const client = codePipelineClient(server)
    const deadline = Date.now() + 120_000
    let succeeded: string | undefined
    while (!succeeded && Date.now() < deadline) {
      const list = (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'published'])).json.pipelineExecutionSummaries as { pipelineExecutionId: string; status: string }[]
      for (const e of list) {
        const done = await waitForExecution(client, 'published', e.pipelineExecutionId, undefined, 120_000)
        if (done.status === 'Succeeded') succeeded = e.pipelineExecutionId
      }
      if (!succeeded) await new Promise((r) => setTimeout(r, 500))
    }
    assert.ok(succeeded, 'an execution built and published the image')
    const actions = (await client.send(new ListActionExecutionsCommand({ pipelineName: 'published', filter: { pipelineExecutionId: succeeded } }))).actionExecutionDetails!
    client.destroy()
    const publish = actions.find((a) => a.actionName === 'Publish')!
    const described = await aws(server, ['ecr', 'describe-images', '--repository-name', 'published'])
    assert.deepEqual([...described.json.imageDetails[0].imageTags].sort(), ['latest', 'v1'])
    assert.equal(publish.output?.outputVariables?.ECRImageDigestId, described.json.imageDetails[0].imageDigest)
    assert.equal(publish.output?.outputVariables?.ECRRepositoryName, 'published')
  })

  it('gives a build without privileged mode no Docker engine', async (t) => {
    if (skip) return t.skip(skip)
    const client = codeBuildClient(server)
    const res = await aws(server, ['codebuild', 'create-project', '--name', 'no-engine', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec: 'version: 0.2\nphases:\n  build:\n    commands:\n      - docker info\n' }),
      '--artifacts', 'type=NO_ARTIFACTS', '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(res.code, 0, res.stderr)
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'no-engine'])
    const build = await waitForBuild(client, started.json.build.id, { timeoutMs: 120_000 })
    client.destroy()
    assert.equal(build.buildStatus, 'FAILED')
    const log = (await run(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'cli', 'main.ts'), 'logs', build.id!, '--data-dir', server.dataDir])).stdout
    assert.match(log, /Cannot connect to the Docker daemon at unix:\/\/\/run\/slipway\/privileged-mode-is-off/)
  })
})

/** The docker executor: a privileged build's container gets the runner's engine; others get none. */
describe('Docker builds in the docker executor', () => {
  let server: TestServer
  let skip: string | undefined

  before(async () => {
    skip = await dockerUnavailableReason()
    if (skip) return
    await ensureTestImage()
    await ensureDockerCliImage()
    server = await startTestServer({ extraArgs: ['--executor', 'docker', '--no-agent'] })
  })

  after(async () => {
    await server?.stop()
  })

  it('lets a privileged build build and push with the runner\'s engine, and refuses an engine to one without privilege', async (t) => {
    if (skip) return t.skip(skip)
    const host = new URL(server.url).host
    assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', 'in-container'])).code, 0)
    const password = (await aws(server, ['ecr', 'get-login-password'])).stdout.trim()
    const buildspec = [
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands:',
      '      - docker version --format "engine {{.Server.Version}}"',
      `      - printf 'FROM ${TEST_IMAGE}\\nCOPY app.txt /app.txt\\n' > Dockerfile`,
      '      - echo in a container > app.txt',
      '      - docker build -t $REPO:exec .',
      '      - echo "$REGISTRY_PASSWORD" | docker login --username AWS --password-stdin ${REPO%%/*}',
      '      - docker push $REPO:exec',
    ].join('\n')
    const make = async (name: string, privileged: boolean) => {
      const res = await aws(server, ['codebuild', 'create-project', '--name', name, '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec }), '--artifacts', 'type=NO_ARTIFACTS',
        '--environment', JSON.stringify({ type: 'LINUX_CONTAINER', image: 'slipway-test/docker-cli:latest', computeType: 'BUILD_GENERAL1_SMALL', privilegedMode: privileged,
          environmentVariables: [{ name: 'REPO', value: `${host}/in-container` }, { name: 'REGISTRY_PASSWORD', value: password }] }), '--service-role', 'r'])
      assert.equal(res.code, 0, res.stderr)
      const started = await aws(server, ['codebuild', 'start-build', '--project-name', name])
      return String(started.json.build.id)
    }
    const client = codeBuildClient(server)
    const logOf = async (id: string) => (await run(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'src', 'cli', 'main.ts'), 'logs', id, '--data-dir', server.dataDir])).stdout
    const privileged = await waitForBuild(client, await make('privileged', true), { timeoutMs: 180_000 })
    assert.equal(privileged.buildStatus, 'SUCCEEDED', await logOf(privileged.id!))
    const images = await aws(server, ['ecr', 'list-images', '--repository-name', 'in-container'])
    assert.deepEqual(images.json.imageIds.map((i: { imageTag: string }) => i.imageTag), ['exec'])

    const plain = await waitForBuild(client, await make('unprivileged', false), { timeoutMs: 180_000 })
    client.destroy()
    assert.equal(plain.buildStatus, 'FAILED')
    assert.match(await logOf(plain.id!), /Cannot connect to the Docker daemon/)
  })
})


