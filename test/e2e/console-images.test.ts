import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { browserSkipReason, launchBrowser, signInWithCliLink } from '../helpers/browser.ts'
import { commandsStage, createPipeline } from '../helpers/pipeline-fixtures.ts'
import { codePipelineClient, waitForExecution } from '../helpers/codepipeline.ts'
import { registryToolsMissing, skopeo, writeOciLayout } from '../helpers/registry.ts'

const skip = (await browserSkipReason()) || registryToolsMissing()
if (skip) console.log(`# console images test skipped: ${skip}`)

/** The console's Images pages: repositories, their images' tags, digests and sizes, and the executions that used each. */
describe('web console: ECR images (Chromium)', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console-images')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await signInWithCliLink(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('lists repositories and images with tags, digests and sizes, and links the pipeline execution that used an image', async () => {
    assert.equal((await aws(server, ['ecr', 'create-repository', '--repository-name', 'team/web'])).code, 0)
    const created = await createPipeline(server, work, {
      name: 'deploy-web',
      stages: [
        { name: 'Source', actions: [{ name: 'Image', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' }, configuration: { RepositoryName: 'team/web' }, outputArtifacts: [{ name: 'SourceArtifact' }] }] },
        commandsStage('Check', ['test -s imageDetail.json']),
      ],
    })
    assert.equal(created.code, 0, created.stderr)
    const client = codePipelineClient(server)
    const initial = (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'deploy-web'])).json.pipelineExecutionSummaries as { pipelineExecutionId: string }[]
    for (const e of initial) await waitForExecution(client, 'deploy-web', e.pipelineExecutionId)

    const layout = path.join(work, 'oci')
    const { images } = await writeOciLayout(layout, [{ tag: 'one', files: { 'index.html': '<h1>web</h1>\n' } }])
    const host = new URL(server.url).host
    const password = (await aws(server, ['ecr', 'get-login-password'])).stdout.trim()
    const copied = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `AWS:${password}`, `oci:${layout}:one`, `docker://${host}/team/web:latest`])
    assert.equal(copied.code, 0, copied.stderr)
    const digest = images[0]!.digest

    let used: { pipelineExecutionId: string } | undefined
    const deadline = Date.now() + 60_000
    while (!used && Date.now() < deadline) {
      const list = (await aws(server, ['codepipeline', 'list-pipeline-executions', '--pipeline-name', 'deploy-web'])).json.pipelineExecutionSummaries as { pipelineExecutionId: string; sourceRevisions?: { revisionId: string }[] }[]
      used = list.find((e) => e.sourceRevisions?.some((r) => r.revisionId === digest))
      if (!used) await new Promise((r) => setTimeout(r, 250))
    }
    assert.ok(used, 'the push started the pipeline on the pushed digest')
    await waitForExecution(client, 'deploy-web', used.pipelineExecutionId)
    client.destroy()

    await page.goto(`${server.url}/#/images`)
    const row = page.locator('tr[data-image-repository="team/web"]')
    await row.waitFor()
    assert.match(await row.innerText(), new RegExp(`${host}/team/web`))
    await row.getByRole('link', { name: 'team/web' }).click()
    const image = page.locator(`tr[data-image="${digest}"]`)
    await image.waitFor()
    const text = await image.innerText()
    assert.match(text, /latest/)
    assert.match(text, new RegExp(digest.slice(0, 19)))
    assert.match(text, /OCI image/)
    assert.match(text, /\d+(\.\d)? (B|KiB)/)
    await image.getByRole('link', { name: 'deploy-web' }).click()
    await page.waitForURL(new RegExp(`#/pipelines/deploy-web/executions/${used.pipelineExecutionId}`))
  })
})
