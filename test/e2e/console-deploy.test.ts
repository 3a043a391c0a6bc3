import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { browserSkipReason, launchBrowser, SHOTS } from '../helpers/browser.ts'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws, awsWithFilesOnly } from '../helpers/aws-cli.ts'
import { waitForInstances } from '../helpers/agents.ts'
import { commandsStage, createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'

const skip = await browserSkipReason()
if (skip) console.log(`# console deploy browser test skipped: ${skip}`)

/** A revision with no `files:` (the local agent installs on the real filesystem): only a ValidateService hook. */
function writeRevision(dir: string, validate: string): string {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: scripts/validate.sh\n      timeout: 30\n')
  fs.writeFileSync(path.join(dir, 'scripts', 'validate.sh'), `#!/bin/sh\n${validate}\n`, { mode: 0o755 })
  return dir
}

describe('web console: deployments, run from a branch, live build log (Chromium)', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console-deploy')

  async function deploy(revisionDir: string, key: string): Promise<string> {
    const pushed = await awsWithFilesOnly(server, ['deploy', 'push', '--application-name', 'ConsoleWeb', '--s3-location', `s3://console-bundles/${key}`, '--source', revisionDir])
    assert.equal(pushed.code, 0, pushed.stderr)
    const eTag = /eTag=([0-9a-f]+)/.exec(pushed.stdout)?.[1]
    const created = await aws(server, ['deploy', 'create-deployment', '--application-name', 'ConsoleWeb', '--deployment-group-name', 'Local', '--s3-location', `bucket=console-bundles,key=${key},bundleType=zip,eTag=${eTag}`])
    assert.equal(created.code, 0, created.stderr)
    return created.json.deploymentId as string
  }

  async function finished(id: string) {
    for (const deadline = Date.now() + 60_000; ; ) {
      const info = (await aws(server, ['deploy', 'get-deployment', '--deployment-id', id])).json.deploymentInfo
      if (!['Created', 'Queued', 'InProgress'].includes(info.status)) return info
      if (Date.now() > deadline) throw new Error(`deployment ${id} still ${info.status}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  before(async () => {
    // Without --no-agent: the server runs its local agent (instance `local`, tag slipway=local).
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    assert.equal((await aws(server, ['s3', 'mb', 's3://console-bundles'])).code, 0)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${server.url}/#/signin`)
    await page.getByLabel('Access key ID').fill(server.accessKeyId)
    await page.getByLabel('Secret access key').fill(server.secretAccessKey)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('a failed deployment shows the failing host and hook with its output, and links its rollback', async () => {
    await waitForInstances(server, ['local'])
    assert.equal((await aws(server, ['deploy', 'create-application', '--application-name', 'ConsoleWeb'])).code, 0)
    const g = await aws(server, ['deploy', 'create-deployment-group', '--application-name', 'ConsoleWeb', '--deployment-group-name', 'Local',
      '--on-premises-instance-tag-filters', 'Key=slipway,Value=local,Type=KEY_AND_VALUE', '--service-role-arn', 'arn:aws:iam::000000000000:role/cd',
      '--auto-rollback-configuration', 'enabled=true,events=DEPLOYMENT_FAILURE'])
    assert.equal(g.code, 0, g.stderr)
    const good = await deploy(writeRevision(path.join(work, 'v1'), 'echo healthy'), 'v1.zip')
    assert.equal((await finished(good)).status, 'Succeeded')

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click()
    await page.locator(`tr[data-deployment="${good}"]`).getByText('Succeeded').waitFor()
    const bad = await deploy(writeRevision(path.join(work, 'v2'), 'echo "checking port 8080"\necho "console-validate: service is not answering" >&2\nexit 1'), 'v2.zip')
    // The list follows the new deployment live (no reload).
    await page.locator(`tr[data-deployment="${bad}"]`).getByText('Failed').waitFor({ timeout: 60_000 })
    await page.locator(`tr[data-deployment="${bad}"]`).getByRole('link', { name: bad }).click()

    const host = page.locator('tr[data-host="local"][data-status="Failed"]')
    await host.waitFor({ timeout: 30_000 })
    const cell = host.locator('button[data-event="ValidateService"][data-status="Failed"]')
    await cell.click()
    const diagnostics = page.getByRole('region', { name: 'Diagnostics' })
    await diagnostics.getByText('ScriptFailed').waitFor()
    await diagnostics.getByText('scripts/validate.sh').first().waitFor()
    await diagnostics.getByLabel('Log tail').getByText('console-validate: service is not answering').waitFor()
    await page.locator('[data-deployment-status="Failed"]').waitFor()
    const rollback = page.locator('[data-rollback="by"] a')
    await rollback.waitFor({ timeout: 30_000 })
    await page.screenshot({ path: path.join(SHOTS, 'deployment.png') })

    await rollback.click()
    await page.locator('[data-rollback="of"]').getByRole('link', { name: bad }).waitFor()
    await page.locator('[data-deployment-status="Succeeded"]').waitFor({ timeout: 60_000 })
    // An unknown deployment is a styled error, not a stack.
    await page.goto(`${server.url}/#/deployments/d-NOSUCHTHING`)
    await page.getByRole('alert').filter({ hasText: 'could not be found' }).waitFor()
  })

  it('links a pipeline\'s CodeDeploy action to its deployment', async () => {
    const repo = await repoWithPushes(server, work, 'console-deploy-src')
    fs.mkdirSync(path.join(repo.work, 'scripts'), { recursive: true })
    fs.writeFileSync(path.join(repo.work, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: scripts/validate.sh\n')
    fs.writeFileSync(path.join(repo.work, 'scripts', 'validate.sh'), '#!/bin/sh\necho deployed-by-pipeline\n', { mode: 0o755 })
    await repo.push('main')
    const created = await createPipeline(server, work, {
      name: 'console-deliver',
      stages: [
        sourceStage('console-deploy-src', 'main'),
        { name: 'Deploy', actions: [{ name: 'Deploy', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' }, configuration: { ApplicationName: 'ConsoleWeb', DeploymentGroupName: 'Local' }, inputArtifacts: [{ name: 'SourceArtifact' }] }] },
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    await page.goto(`${server.url}/#/pipelines/console-deliver`)
    const action = page.locator('[data-action="Deploy"][data-status="Succeeded"]')
    await action.waitFor({ timeout: 60_000 })
    await action.getByRole('link', { name: 'View deployment' }).click()
    await page.locator('[data-deployment-status="Succeeded"]').waitFor()
    await page.locator('tr[data-host="local"] button[data-event="ValidateService"][data-status="Succeeded"]').waitFor()
  })

  it('runs a pipeline from another branch and shows that branch\'s commit on the Source action', async () => {
    const repo = await repoWithPushes(server, work, 'console-branches')
    await repo.push('main')
    const created = await createPipeline(server, work, {
      name: 'console-branches',
      stages: [
        sourceStage('console-branches', 'main'),
        commandsStage('Check', ['echo checked']),
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const feature = await repo.push('feature-only-here', 'feature.txt')

    await page.goto(`${server.url}/#/pipelines/console-branches`)
    await page.locator('section[data-stage="Source"]').waitFor()
    await page.getByLabel('Run from', { exact: true }).selectOption('BRANCH')
    await page.getByLabel('Branch name').fill('feature-only-here')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await page.locator('[data-action="Source"][data-status="Succeeded"]', { hasText: feature.slice(0, 10) }).waitFor({ timeout: 30_000 })
    // A branch that does not exist is refused with CodeCommit's own message, and nothing starts.
    await page.getByLabel('Branch name').fill('no-such-branch')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await page.getByRole('alert').filter({ hasText: 'no-such-branch' }).waitFor()
  })

  it('streams the build log: the first line is visible before the second is printed', async () => {
    const buildspec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "live-line-first"\n      - sleep 2\n      - echo "live-line-second"\n'
    const project = await aws(server, ['codebuild', 'create-project', '--name', 'console-live', '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec }), '--artifacts', 'type=NO_ARTIFACTS',
      '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
    assert.equal(project.code, 0, project.stderr)
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'console-live'])
    assert.equal(started.code, 0, started.stderr)
    const id = started.json.build.id as string
    await page.goto(`${server.url}/#/builds/${encodeURIComponent(id)}`)
    const log = page.getByLabel('Build log')
    await log.getByText('live-line-first').first().waitFor({ timeout: 30_000 })
    assert.equal(await log.getByText('live-line-second').count(), 0, 'the second line is not there yet: the log streams')
    assert.equal(await page.locator('[data-build-status="SUCCEEDED"]').count(), 0, 'the build is still running')
    await log.getByText('live-line-second').first().waitFor({ timeout: 30_000 })
    await page.locator('[data-build-status="SUCCEEDED"]').waitFor({ timeout: 30_000 })
  })
})
