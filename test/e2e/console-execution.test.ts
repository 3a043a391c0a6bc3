import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import yauzl from 'yauzl'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { browserSkipReason, launchBrowser, signInWithCliLink, SHOTS } from '../helpers/browser.ts'
import { createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'

const skip = await browserSkipReason()
if (skip) console.log(`# console execution browser test skipped: ${skip}`)

const commands = (name: string, cmds: string[], extra: Record<string, unknown>) => ({
  name,
  actions: [{ name, actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: cmds, ...extra }],
})

/** The entries of a zip file, name → text. */
function readZip(file: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err)
      const out = new Map<string, string>()
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => (out.set(entry.fileName, Buffer.concat(chunks).toString('utf8')), zip.readEntry()))
        })
      })
      zip.on('end', () => resolve(out))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

describe('execution detail page in Chromium', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console-execution')
  let executionId = ''
  let commit = ''

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
    await signInWithCliLink(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('follows a running execution live: artifacts, exported variables, build links', async () => {
    const repo = await repoWithPushes(server, work, 'exec-app')
    commit = await repo.push('main')
    const created = await createPipeline(server, work, {
      name: 'exec-demo',
      stages: [
        sourceStage('exec-app', 'main'),
        commands('Build', ['echo "built from $(head -1 README.md)" > built.txt', 'export GREETING=hello-from-build', 'sleep 2'], {
          namespace: 'BuildVariables', outputVariables: ['GREETING'], inputArtifacts: [{ name: 'SourceArtifact' }], outputArtifacts: [{ name: 'BuildOutput' }],
        }),
        commands('Ship', ['cat built.txt', 'echo "#{BuildVariables.GREETING}"', 'sleep 2'], { inputArtifacts: [{ name: 'BuildOutput' }] }),
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const list = await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'exec-demo'])
    executionId = list.json.pipelineExecutionSummaries[0].pipelineExecutionId

    await page.goto(`${server.url}/#/pipelines/exec-demo/executions/${executionId}`)
    await page.locator('[data-execution-status="InProgress"]').waitFor({ timeout: 30_000 })
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7))
    await page.locator('[data-execution-status="Succeeded"]').waitFor({ timeout: 120_000 })
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), 7, 'the page updated without a reload')

    await page.locator(`tr[data-revision="${commit}"]`).waitFor()
    const source = page.locator('[data-action="Source"][data-status="Succeeded"]')
    const build = page.locator('[data-action="Build"][data-status="Succeeded"]')
    const ship = page.locator('[data-action="Ship"][data-status="Succeeded"]')
    assert.match(await source.getByRole('table', { name: 'Output artifacts' }).innerText(), /SourceArtifact\s+s3:\/\/pipeline-artifacts\/exec-demo\/\S+\s+Download/)
    assert.match(await build.getByRole('table', { name: 'Input artifacts' }).innerText(), /SourceArtifact\s+s3:\/\/pipeline-artifacts\//)
    assert.match(await build.getByRole('table', { name: 'Output artifacts' }).innerText(), /BuildOutput\s+s3:\/\/pipeline-artifacts\//)
    assert.match(await ship.getByRole('table', { name: 'Input artifacts' }).innerText(), /BuildOutput/)
    assert.equal(await build.locator('tr[data-variable="GREETING"] td').nth(1).innerText(), 'hello-from-build')
    assert.match(await source.getByRole('table', { name: 'Output variables' }).innerText(), new RegExp(`CommitId\\s+${commit}`))
    assert.equal(await source.locator('tr[data-config="BranchName"] td').nth(1).innerText(), 'main')
    await page.screenshot({ path: path.join(SHOTS, 'execution.png') })

    // The details match what the AWS CLI reports for the same execution.
    const cli = await aws(server, ['codepipeline', 'list-action-executions', '--pipeline-name', 'exec-demo', '--filter', `pipelineExecutionId=${executionId}`])
    const cliBuild = cli.json.actionExecutionDetails.find((d: { actionName: string }) => d.actionName === 'Build')
    const key = cliBuild.output.outputArtifacts[0].s3location.key as string
    assert.match(await build.getByRole('table', { name: 'Output artifacts' }).innerText(), new RegExp(`s3://pipeline-artifacts/${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))

    const buildId = cliBuild.output.executionResult.externalExecutionId as string
    await build.getByRole('link', { name: buildId }).click()
    await page.locator('[data-build-status="SUCCEEDED"]').waitFor()
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), buildId)
    await page.goBack()
    await build.waitFor()
  })

  it('downloads an output artifact as the zip the build produced', async () => {
    const build = page.locator('[data-action="Build"]')
    const [download] = await Promise.all([page.waitForEvent('download'), build.getByRole('link', { name: 'Download BuildOutput.zip' }).click()])
    assert.equal(download.suggestedFilename(), 'BuildOutput.zip')
    const file = path.join(work, 'BuildOutput.zip')
    await download.saveAs(file)
    const entries = await readZip(file)
    assert.equal(entries.get('built.txt'), 'built from # exec-app\n')
    assert.equal(entries.get('change.txt'), 'change 1\n', 'the source files came through too')

    const base = `${server.url}/console/api/pipelines/exec-demo/executions/${executionId}/artifacts`
    assert.equal((await fetch(`${base}/BuildOutput`)).status, 401, 'downloads need a session')
    const direct = await page.request.get(`${base}/BuildOutput`)
    assert.equal(direct.headers()['content-type'], 'application/zip')
    assert.match(direct.headers()['content-disposition'] ?? '', /attachment; filename="BuildOutput\.zip"/, 'curl -OJ and browsers name the file')
    const missing = await page.request.get(`${base}/NoSuchArtifact`)
    assert.equal(missing.status(), 404)
    assert.equal(((await missing.json()) as { error: string }).error, 'ArtifactNotFoundException')
  })

  it('shows a styled error for an execution that does not exist, and fits a phone screen', async () => {
    await page.goto(`${server.url}/#/pipelines/exec-demo/executions/00000000-0000-0000-0000-000000000000`)
    await page.getByRole('alert').filter({ hasText: 'PipelineExecutionNotFoundException: Pipeline execution 00000000-0000-0000-0000-000000000000 does not exist' }).waitFor()
    await page.setViewportSize({ width: 390, height: 800 })
    await page.goto(`${server.url}/#/pipelines/exec-demo/executions/${executionId}`)
    await page.locator('[data-action="Ship"]').waitFor()
    const width = await page.evaluate<number>('document.documentElement.scrollWidth')
    assert.ok(width <= 390, `no horizontal page scroll at 390 px (scrollWidth ${width})`)
  })
})
