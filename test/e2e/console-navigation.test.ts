import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ListPipelineExecutionsCommand, StartPipelineExecutionCommand, type PipelineExecutionSummary } from '@aws-sdk/client-codepipeline'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { browserSkipReason, launchBrowser, signInWithCliLink } from '../helpers/browser.ts'
import { commandsStage, createPipeline, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'
import { codePipelineClient } from '../helpers/codepipeline.ts'
import { codeBuildClient } from '../helpers/codebuild.ts'
import { BatchGetBuildsCommand, ListBuildsCommand } from '@aws-sdk/client-codebuild'

const skip = await browserSkipReason()
if (skip) console.log(`# console navigation browser test skipped: ${skip}`)

async function allExecutions(server: TestServer, pipelineName: string): Promise<PipelineExecutionSummary[]> {
  const client = codePipelineClient(server)
  const out: PipelineExecutionSummary[] = []
  let nextToken: string | undefined
  do {
    const page = await client.send(new ListPipelineExecutionsCommand({ pipelineName, nextToken }))
    out.push(...(page.pipelineExecutionSummaries ?? []))
    nextToken = page.nextToken
  } while (nextToken)
  return out
}

/** Nothing on the page is wider than the viewport (tables and logs scroll inside their own box). */
const pageOverflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')
/** The elements sticking out to the right of the viewport, for the failure message. */
const overflowing = (page: Page) =>
  page.evaluate<string[]>(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 8).map((e) => e.tagName + '.' + e.className)`)
const focusedText = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.textContent')

describe('web console: history paging and filters, live transitions, sessions across restarts, phone width, keyboard (Chromium)', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console-nav')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    // main must exist before the pipeline does: every execution then has a source to run from.
    await (await repoWithPushes(server, work, 'nav-app')).push()
    const created = await createPipeline(server, work, { name: 'nav-demo', stages: [sourceStage('nav-app'), commandsStage('Check', ['true']), commandsStage('Ship', ['true'])] })
    assert.equal(created.code, 0, created.stderr)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await signInWithCliLink(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('pages the execution history on the server and filters it by status, with totals matching the API', async () => {
    const client = codePipelineClient(server)
    for (let i = 0; i < 30; i++) await client.send(new StartPipelineExecutionCommand({ name: 'nav-demo' }))
    const builds = codeBuildClient(server)
    for (const deadline = Date.now() + 60_000; ; ) {
      const all = await allExecutions(server, 'nav-demo')
      // The builds of superseded executions wind down after them: wait for those too (their events refresh the page).
      const ids = (await builds.send(new ListBuildsCommand({}))).ids ?? []
      const running = ids.length === 0 ? [] : ((await builds.send(new BatchGetBuildsCommand({ ids: ids.slice(0, 100) }))).builds ?? []).filter((b) => b.buildStatus === 'IN_PROGRESS')
      if (all.length === 31 && all.every((e) => !['InProgress', 'Stopping'].includes(e.status ?? '')) && running.length === 0) break
      assert.ok(Date.now() < deadline, 'executions did not finish')
      await new Promise((r) => setTimeout(r, 250))
    }
    builds.destroy()
    const all = await allExecutions(server, 'nav-demo')
    await page.goto(`${server.url}/#/pipelines/nav-demo`)
    const history = page.getByRole('navigation', { name: 'Execution history pages' })
    await history.getByText('1–25 of 31').waitFor()
    assert.equal(await page.locator('tr[data-execution]').count(), 25)
    assert.deepEqual(await page.locator('tr[data-execution]').first().getAttribute('data-execution'), all[0]?.pipelineExecutionId, 'newest first')
    await history.getByRole('button', { name: 'Next' }).click()
    await history.getByText('26–31 of 31').waitFor()
    assert.deepEqual(await page.locator('tr[data-execution]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-execution'))), all.slice(25).map((e) => e.pipelineExecutionId))

    const byStatus = (s: string) => all.filter((e) => e.status === s)
    const status = byStatus('Superseded').length > 0 ? 'Superseded' : 'Succeeded'
    await page.getByLabel('Status').selectOption(status)
    await page.getByText(`${byStatus(status).length} executions`).waitFor()
    // The count and the rows render from one answer, but wait for the rows themselves too.
    let shown: (string | null)[] = []
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      shown = await page.locator('tr[data-execution]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))
      if (shown.length > 0 && shown.every((s) => s === status)) break
    }
    const tally = Object.entries(Object.groupBy(all, (e) => e.status ?? '?')).map(([k, v]) => `${k} ${v?.length}`).join(', ')
    assert.ok(shown.length > 0 && shown.every((s) => s === status), `only ${status} rows: ${shown} (executions: ${tally}; e.g. ${all.find((e) => e.status !== 'Succeeded')?.statusSummary ?? ''})`)

    // The execution id links to its execution page.
    await page.locator('tr[data-execution] a').first().click()
    assert.match(page.url(), /#\/pipelines\/nav-demo\/executions\/[0-9a-f-]{36}$/)
  })

  it('shows a transition disabled from the AWS CLI on an open page without reloading', async () => {
    await page.goto(`${server.url}/#/pipelines/nav-demo`)
    const arrow = page.locator('[data-transition="Ship"]')
    await arrow.getByRole('button', { name: 'Disable transition into Ship' }).waitFor()
    const off = await aws(server, ['codepipeline', 'disable-stage-transition', '--pipeline-name', 'nav-demo', '--stage-name', 'Ship', '--transition-type', 'Inbound', '--reason', 'freeze'])
    assert.equal(off.code, 0, off.stderr)
    await arrow.getByRole('button', { name: 'Enable transition into Ship' }).waitFor({ timeout: 5000 })
    assert.match((await arrow.getAttribute('class')) ?? '', /disabled/)
    const on = await aws(server, ['codepipeline', 'enable-stage-transition', '--pipeline-name', 'nav-demo', '--stage-name', 'Ship', '--transition-type', 'Inbound'])
    assert.equal(on.code, 0, on.stderr)
    await arrow.getByRole('button', { name: 'Disable transition into Ship' }).waitFor({ timeout: 5000 })
  })

  it('is usable from the keyboard: filter the pipelines and release a change without the mouse', async () => {
    await page.goto(`${server.url}/#/`)
    await page.getByLabel('Filter by name').focus()
    await page.keyboard.type('nav')
    await page.locator('tr[data-pipeline="nav-demo"]').waitFor()
    const before = (await allExecutions(server, 'nav-demo')).length
    await page.keyboard.press('Tab')
    // Tab forward until the pipeline's link has focus, then follow it with Enter.
    for (let i = 0; i < 10 && (await focusedText(page)) !== 'nav-demo'; i++) await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'nav-demo' }).waitFor()
    for (let i = 0; i < 20 && (await focusedText(page)) !== 'Release change'; i++) await page.keyboard.press('Tab')
    assert.equal(await focusedText(page), 'Release change', 'Release change is reachable with Tab')
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')
    assert.notEqual(outline, 'none', 'the focused button shows a focus ring')
    await page.keyboard.press('Enter')
    await page.getByText(/Started execution [0-9a-f-]{36}/).waitFor()
    assert.equal((await allExecutions(server, 'nav-demo')).length, before + 1)
  })

  it('fits a phone-width screen: no page-wide horizontal scroll on the main pages', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await phone.context().addCookies(await page.context().cookies())
    for (const [hash, ready] of [['#/', 'tr[data-pipeline="nav-demo"]'], ['#/pipelines/nav-demo', 'section[data-stage="Ship"]'], ['#/deployments', 'h1']] as const) {
      await phone.goto(`${server.url}/${hash}`)
      await phone.locator(ready).first().waitFor()
      assert.ok((await pageOverflow(phone)) <= 0, `${hash} overflows a 390 px screen by ${await pageOverflow(phone)} px: ${await overflowing(phone)}`)
    }
    const nav = await phone.getByRole('navigation', { name: 'Main' }).boundingBox()
    assert.ok(nav && nav.x >= 0 && nav.x + nav.width <= 390, 'the main navigation stays on screen')
    await phone.close()
  })

  it('keeps the session across a server restart', async () => {
    await server.stop()
    server = await startTestServer({ dataDir: server.dataDir, extraArgs: ['--executor', 'host', '--no-agent'] })
    await page.goto(`${server.url}/#/`)
    await page.locator('tr[data-pipeline="nav-demo"]').waitFor()
    assert.equal(await page.getByLabel('Secret access key').count(), 0, 'not sent back to the sign-in page')
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
    assert.equal((await fetch(`${server.url}/console/api/pipelines`, { headers: { cookie } })).status, 200)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Secret access key').waitFor()
    assert.equal((await fetch(`${server.url}/console/api/pipelines`, { headers: { cookie } })).status, 401, 'a signed-out session is gone')
  })
})
