import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchBrowser, SHOTS } from '../helpers/browser.ts'
import { SLIPWAY_BIN, startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { approvalStage, buildStage, commandsStage, createPipeline, createPipelineProject, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { run } from '../helpers/run.ts'

const skip = await browserSkipReason()
if (skip) console.log(`# console browser test skipped: ${skip}`)

const BUILDSPEC = `version: 0.2
phases:
  build:
    commands:
      - echo "console-log-line-one"
      - sleep 1
      - echo "console-log-line-two"
`

describe('web console in Chromium', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    const project = await createPipelineProject(server, 'console-build', BUILDSPEC)
    assert.equal(project.code, 0, project.stderr)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('answers 401 JSON without a session, and S3 still owns signed GET /', async () => {
    const res = await fetch(`${server.url}/console/api/pipelines`)
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { error: string }).error, 'Unauthorized')
    const html = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } })
    assert.equal((await fetch(`${server.url}/`)).status, 403, 'an unsigned non-browser GET / is still S3 AccessDenied')
    assert.match(html.headers.get('content-type') ?? '', /text\/html/)
    const ls = await aws(server, ['s3', 'ls'])
    assert.equal(ls.code, 0, ls.stderr)
    assert.match(ls.stdout, /pipeline-artifacts/)
  })

  it('signs in with the CLI link, shows stages, follows a push live and starts the next stage on approval', async () => {
    const repo = await repoWithPushes(server, work, 'console-app')
    const created = await createPipeline(server, work, {
      name: 'console-demo',
      stages: [
        sourceStage('console-app', 'release'),
        buildStage('console-build'),
        approvalStage(),
        commandsStage('Release', ['echo released']),
      ],
    })
    assert.equal(created.code, 0, created.stderr)

    const cli = await run(process.execPath, [SLIPWAY_BIN, 'console', '--no-open', '--data-dir', server.dataDir])
    assert.equal(cli.code, 0, cli.stderr)
    const login = /(http:\/\/\S+\/console\/login\?token=\S+)/.exec(cli.stdout)?.[1]
    assert.ok(login, cli.stdout)
    await page.goto(login)
    await page.locator('tr[data-pipeline="console-demo"]').waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'pipelines.png') })
    // A used link does not sign anyone in again.
    assert.equal((await fetch(login, { redirect: 'manual' })).headers.get('location'), '/?login=expired#/signin')

    await page.getByRole('link', { name: 'console-demo' }).click()
    for (const stage of ['Source', 'Build', 'Approve', 'Release']) await page.locator(`section[data-stage="${stage}"]`).waitFor()
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42))

    const commit = await repo.push('release')
    const source = page.locator(`[data-action="Source"][data-status="Succeeded"]`, { hasText: commit.slice(0, 10) })
    await source.waitFor({ timeout: 30_000 })
    await page.locator('[data-action="Build"][data-status="Succeeded"]').waitFor({ timeout: 60_000 })
    await page.locator('[data-action="Approval"][data-status="InProgress"]').getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 })
    await page.screenshot({ path: path.join(SHOTS, 'pipeline.png') })

    await page.locator('[data-action="Build"]').getByRole('link', { name: 'View build log' }).click()
    await page.locator('[data-build-status="SUCCEEDED"]').waitFor()
    await page.getByLabel('Build log').getByText('console-log-line-two').first().waitFor()
    await page.goBack()

    const approval = page.locator('[data-action="Approval"]')
    await approval.getByLabel('Comment').fill('ship it')
    await approval.getByRole('button', { name: 'Approve' }).click()
    await page.locator('[data-action="Approval"][data-status="Succeeded"]').waitFor({ timeout: 30_000 })
    await page.locator('[data-action="Release"]:not([data-status="NotRun"])').waitFor({ timeout: 30_000 })
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), 42, 'the page was not reloaded')
  })

  it('retries a failed stage and stops a running execution from the pipeline page', async () => {
    const repo = await repoWithPushes(server, work, 'console-retry-app')
    const marker = path.join(work, 'flaky-once')
    const created = await createPipeline(server, work, {
      name: 'console-retry',
      stages: [sourceStage('console-retry-app', 'main'), commandsStage('Flaky', [`test -f ${marker} || { touch ${marker}; exit 3; }`]), commandsStage('Slow', ['sleep 120'])],
    })
    assert.equal(created.code, 0, created.stderr)
    await page.goto(`${server.url}/#/pipelines/console-retry`)
    await page.locator('section[data-stage="Flaky"]').waitFor()
    await repo.push('main')

    const flaky = page.locator('section[data-stage="Flaky"]')
    await flaky.locator('[data-action="Flaky"][data-status="Failed"]').waitFor({ timeout: 60_000 })
    // Hold the execution before Slow while the failed stage is retried.
    await page.getByRole('button', { name: 'Disable transition into Slow' }).click()
    await page.getByRole('button', { name: 'Enable transition into Slow' }).waitFor()
    await flaky.getByRole('button', { name: 'Retry failed actions' }).click()
    await flaky.locator('[data-action="Flaky"][data-status="Succeeded"]').waitFor({ timeout: 60_000 })
    assert.equal(await flaky.getByRole('button', { name: 'Retry failed actions' }).count(), 0, 'no retry offered once the stage succeeded')
    assert.equal(await flaky.locator('[data-retries]').innerText(), 'Retried by hand once')
    await page.locator('[data-transition="Slow"]', { hasText: '1 waiting' }).waitFor({ timeout: 30_000 })
    const held = await aws(server, ['codepipeline', 'get-pipeline-state', '--name', 'console-retry'])
    const slowState = JSON.parse(held.stdout).stageStates.find((s: { stageName: string }) => s.stageName === 'Slow')
    assert.equal(slowState.inboundTransitionState.enabled, false)
    assert.equal(slowState.inboundTransitionState.disabledReason, 'Disabled in the console')
    assert.equal(await page.locator('[data-action="Slow"]:not([data-status="NotRun"])').count(), 0, 'Slow did not start while the transition was disabled')
    await page.getByRole('button', { name: 'Enable transition into Slow' }).click()

    await page.locator('[data-action="Slow"][data-status="InProgress"]').waitFor({ timeout: 30_000 })
    const running = page.locator('tr[data-status="InProgress"]')
    assert.equal(await running.count(), 1)
    const executionId = await running.getAttribute('data-execution')
    const buildHref = await page.locator('[data-action="Slow"]').getByRole('link', { name: 'View build log' }).getAttribute('href')
    const buildId = decodeURIComponent(String(buildHref).replace('#/builds/', ''))
    await running.getByRole('button', { name: 'Stop and abandon' }).click()
    await page.locator(`tr[data-execution="${executionId}"][data-status="Stopped"]`).waitFor({ timeout: 30_000 })
    await page.locator('[data-action="Slow"][data-status="Abandoned"]').waitFor({ timeout: 30_000 })

    const cli = await aws(server, ['codepipeline', 'get-pipeline-execution', '--pipeline-name', 'console-retry', '--pipeline-execution-id', String(executionId)])
    assert.equal(cli.code, 0, cli.stderr)
    assert.equal(JSON.parse(cli.stdout).pipelineExecution.status, 'Stopped')
    // Abandoning the action stops its build too: the `sleep 120` does not run on.
    let buildStatus = ''
    for (let i = 0; i < 60 && buildStatus !== 'STOPPED'; i++) {
      const b = await aws(server, ['codebuild', 'batch-get-builds', '--ids', buildId])
      buildStatus = JSON.parse(b.stdout).builds[0]?.buildStatus ?? ''
      if (buildStatus !== 'STOPPED') await new Promise((r) => setTimeout(r, 250))
    }
    assert.equal(buildStatus, 'STOPPED')
  })

  it('shows a reconnecting banner while the server is gone, and recovers, still signed in, when it returns', async () => {
    const port = Number(new URL(server.url).port)
    await page.goto(`${server.url}/#/`)
    await page.locator('tr[data-pipeline="console-demo"]').waitFor()
    await server.stop()
    await page.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor({ timeout: 15_000 })
    server = await startTestServer({ dataDir: server.dataDir, port, extraArgs: ['--executor', 'host'] })
    // Sessions are stored: the banner goes away and the live connection is back, without signing in again.
    await page.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor({ state: 'detached', timeout: 15_000 })
    const started = await aws(server, ['codepipeline', 'start-pipeline-execution', '--name', 'console-demo'])
    assert.equal(started.code, 0, started.stderr)
    await page.locator('tr[data-pipeline="console-demo"]').getByText('InProgress').waitFor({ timeout: 15_000 })
    assert.equal(await page.getByLabel('Access key ID').count(), 0)
  })

  it('signs out, refuses a wrong secret with a styled message, and signs in with an access key pair', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Access key ID').fill(server.accessKeyId)
    await page.getByLabel('Secret access key').fill('wrong')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor()
    await page.getByLabel('Secret access key').fill(server.secretAccessKey)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('tr[data-pipeline="console-demo"]').waitFor()
  })
})
