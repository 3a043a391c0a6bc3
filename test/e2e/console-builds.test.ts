import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { browserSkipReason, launchBrowser, SHOTS, signInWithCliLink } from '../helpers/browser.ts'
import { run } from '../helpers/run.ts'

const skip = await browserSkipReason()
if (skip) console.log(`# console builds browser test skipped: ${skip}`)

const JUNIT = '<?xml version="1.0"?><testsuites><testsuite name="math" tests="3"><testcase classname="math.add" name="adds" time="0.5"/><testcase classname="math.add" name="carries" time="0.25"/><testcase classname="math.div" name="by zero" time="0.1"><failure message="expected Infinity">stack</failure></testcase></testsuite></testsuites>'
const BUILDSPEC = `version: 0.2
env:
  variables:
    GREETING: initial
  exported-variables:
    - GREETING
phases:
  install:
    commands:
      - sleep 3
  build:
    commands:
      - export GREETING=hello-from-build
      - printf '\\033[31mred-line\\033[0m\\n'
      - printf 'plain then \\033[1;32mbold-green\\033[0m back to plain\\n'
      - echo '<b>x</b>'
      - seq 1 200
      - echo middle-marker
      - seq 201 400
      - mkdir -p out/reports dist
      - printf '%s' '${JUNIT}' > out/reports/junit.xml
      - echo artifact-content > dist/hello.txt
reports:
  unit:
    files: ['**/*.xml']
    base-directory: out/reports
artifacts:
  files:
    - dist/hello.txt
`
const ENVIRONMENT = 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL'

async function createProject(server: TestServer, name: string, buildspec: string, extra: string[] = []) {
  const created = await aws(server, ['codebuild', 'create-project', '--name', name, '--source', JSON.stringify({ type: 'NO_SOURCE', buildspec }), '--environment', ENVIRONMENT, '--service-role', 'r', ...extra])
  assert.equal(created.code, 0, created.stderr)
}

/** Browser-side: the element's box lies inside the window and inside the log's scroll box. */
const IN_VIEW = `(el) => {
  const r = el.getBoundingClientRect()
  const box = el.closest('[aria-label="Build log"]').getBoundingClientRect()
  return r.top >= box.top && r.bottom <= box.bottom && r.top >= 0 && r.bottom <= innerHeight
}`

const inView = (page: Page, selector: string) =>
  page.evaluate(`(${IN_VIEW})(document.querySelector(${JSON.stringify(selector)}))`)

describe('console Builds pages (Chromium)', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console-builds')

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://build-out'])).code, 0)
    await createProject(server, 'console-colours', BUILDSPEC, ['--artifacts', 'type=S3,location=build-out,packaging=ZIP,name=bundle.zip'])
    await createProject(server, 'console-idle', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo idle\n', ['--artifacts', 'type=NO_ARTIFACTS'])
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
    await signInWithCliLink(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('starts a build from the project page and shows its timeline, coloured log, line links, variables, reports and artifact', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Builds' }).click()
    await page.locator('tr[data-project="console-idle"]', { hasText: 'never built' }).waitFor()
    await page.locator('tr[data-project="console-colours"]').getByRole('link', { name: 'console-colours' }).click()
    await page.getByRole('heading', { name: 'console-colours' }).waitFor()
    await page.getByText('No builds yet.').waitFor()
    await page.getByRole('button', { name: 'Start build' }).click()
    await page.waitForURL(/#\/builds\/console-colours%3A[0-9a-f-]{36}$/)
    const id = decodeURIComponent(page.url().split('#/builds/')[1]!)
    await page.getByRole('button', { name: 'Stop build' }).waitFor()
    // Phases follow live (codebuild.BuildPhaseChange events): the three-second install shows as running.
    await page.locator('li[data-phase="INSTALL"][data-phase-status="IN_PROGRESS"]').waitFor({ timeout: 60_000 })
    await page.locator('[data-build-status="SUCCEEDED"]').waitFor({ timeout: 60_000 })
    await page.getByRole('button', { name: 'Retry build' }).waitFor()

    // Timeline: every phase, queue and provisioning with their own durations, bars sized by duration.
    const timeline = page.getByRole('list', { name: 'Phases' })
    assert.equal(await timeline.locator('li[data-phase]').count(), 11)
    for (const phase of ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'INSTALL', 'BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING']) {
      await timeline.locator(`li[data-phase="${phase}"][data-phase-status="SUCCEEDED"]`).getByText('SUCCEEDED').waitFor()
    }
    for (const phase of ['QUEUED', 'PROVISIONING', 'INSTALL']) {
      assert.match(await timeline.locator(`li[data-phase="${phase}"] .timeline-duration`).innerText(), /^\d+(\.\d)? (ms|s)$/, `${phase} shows its duration`)
    }
    const barWidth = async (phase: string) => (await timeline.locator(`li[data-phase="${phase}"] .timeline-bar`).boundingBox())!.width
    // Bars are sized by the durations the API reports (a busy machine may queue a build longer than its
    // three-second install): the longer phase has the longer bar, in proportion.
    const built = (await aws(server, ['codebuild', 'batch-get-builds', '--ids', id])).json.builds[0] as { phases: { phaseType: string; startTime: number; endTime: number }[] }
    const ms = (phase: string) => {
      const p = built.phases.find((x) => x.phaseType === phase)!
      return (p.endTime - p.startTime) * 1000
    }
    const [longer, shorter] = ms('INSTALL') >= ms('QUEUED') ? ['INSTALL', 'QUEUED'] : ['QUEUED', 'INSTALL']
    const ratio = ms(longer) / Math.max(ms(shorter), 1)
    const [wide, narrow] = [await barWidth(longer), await barWidth(shorter)]
    assert.ok(wide >= narrow, `the ${longer} bar (${ms(longer)} ms) is at least as long as the ${shorter} bar (${ms(shorter)} ms)`)
    if (ratio > 4) assert.ok(wide > 2 * narrow, `the ${longer} bar is much longer: ${wide} px against ${narrow} px for ${ratio.toFixed(1)} times the duration`)

    // ANSI colours become classes; no escape codes and no markup from the log.
    const log = page.getByLabel('Build log')
    const red = log.locator('span.ansi-fg-31', { hasText: 'red-line' })
    assert.equal(await red.evaluate((el) => (globalThis as unknown as { getComputedStyle: (e: typeof el) => { color: string } }).getComputedStyle(el).color), 'rgb(255, 107, 107)')
    assert.equal(await log.locator('span.ansi-fg-32.ansi-bold').innerText(), 'bold-green')
    assert.equal(await log.locator('.log-line').filter({ has: page.locator('span.ansi-fg-31', { hasText: 'red-line' }) }).locator('.log-text').innerText(), 'red-line', 'the escape codes are not shown')
    const logText = await log.innerText()
    assert.ok(!logText.includes('\u001b'), 'no escape character anywhere in the log')
    assert.match(logText, /^plain then bold-green back to plain$/m)
    await log.getByText('<b>x</b>', { exact: true }).waitFor()
    assert.equal(await log.locator('b').count(), 0, 'HTML in the log is text, not markup')

    // Line links: clicking a number puts the line in the URL and highlights it; the URL reopens there.
    const marker = log.locator('.log-line', { hasText: /^middle-marker$/ })
    const n = Number(await marker.getAttribute('data-line'))
    assert.ok(n > 200, `middle-marker is line ${n}`)
    await marker.getByRole('link', { name: `Line ${n}` }).click()
    await page.waitForURL((url) => url.hash.endsWith(`?line=${n}`))
    await log.locator(`.log-line-selected[data-line="${n}"]`).waitFor()
    assert.equal(await log.locator('.log-line-selected').count(), 1)
    await page.reload()
    await page.locator(`.log-line-selected[data-line="${n}"]`).waitFor()
    await page.waitForFunction(`(${IN_VIEW})(document.querySelector('[data-line="${n}"]'))`)
    assert.equal(await inView(page, '[data-line="3"]'), false, 'the log was scrolled to the linked line, away from the top')

    // Exported variable, test report, artifact.
    assert.equal(await page.locator('tr[data-variable="GREETING"] td').nth(1).innerText(), 'hello-from-build')
    const report = page.getByRole('article', { name: 'Test report console-colours-unit' })
    assert.match(await report.locator('[data-report-counts]').innerText(), /^3 tests: .*2 succeeded.*1 failed|^3 tests: .*1 failed.*2 succeeded/)
    assert.match(await report.locator('tr[data-test-case="by zero"]').innerText(), /math\.div\s+by zero\s+FAILED\s+expected Infinity/)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download bundle.zip' }).click()])
    const downloaded = path.join(work, 'downloaded.zip')
    await download.saveAs(downloaded)
    const copied = path.join(work, 'copied.zip')
    assert.equal((await aws(server, ['s3', 'cp', 's3://build-out/bundle.zip', copied])).code, 0)
    assert.deepEqual(fs.readFileSync(downloaded), fs.readFileSync(copied), 'the download is the artifact object')
    const unzipped = await run('unzip', ['-p', downloaded, 'dist/hello.txt'])
    assert.equal(unzipped.stdout, 'artifact-content\n')
    assert.equal(download.suggestedFilename(), 'bundle.zip')
    const direct = await page.request.get(`${server.url}/console/api/builds/${encodeURIComponent(id)}/artifact?key=bundle.zip`)
    assert.match(direct.headers()['content-disposition'] ?? '', /attachment; filename="bundle\.zip"/)
    assert.equal((await page.request.get(`${server.url}/console/api/builds/${encodeURIComponent(id)}/artifact?key=${encodeURIComponent('../other')}`)).status(), 404, 'only the build\'s own artifact keys')

    const redLine = await log.locator('.log-line').filter({ has: page.locator('span.ansi-fg-31') }).getAttribute('data-line')
    await page.goto(`${server.url}/#/builds/${encodeURIComponent(id)}?line=${redLine}`)
    await page.locator(`.log-line-selected[data-line="${redLine}"]`).waitFor()
    await page.evaluate(`scrollTo(0, document.querySelector('.timeline').getBoundingClientRect().top + scrollY - 50)`)
    await page.screenshot({ path: path.join(SHOTS, 'build.png') })

    await page.setViewportSize({ width: 390, height: 800 })
    const width = await page.evaluate<number>('document.documentElement.scrollWidth')
    assert.ok(width <= 390, `no horizontal page scroll at phone width (scrollWidth ${width})`)
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('lists builds newest first with live updates, stops a running build, retries it and pages older builds', async () => {
    await createProject(server, 'console-many', 'version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 120\n', ['--artifacts', 'type=NO_ARTIFACTS', '--concurrent-build-limit', '1'])
    await page.goto(`${server.url}/#/projects/console-many`)
    await page.getByText('No builds yet.').waitFor()
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7))
    const started = await aws(server, ['codebuild', 'start-build', '--project-name', 'console-many'])
    assert.equal(started.code, 0, started.stderr)
    const first = started.json.build.id as string
    const row = page.locator(`tr[data-build="${first}"]`)
    await row.getByText('IN_PROGRESS').waitFor()
    assert.equal(await row.locator('td').nth(5).innerText(), 'root')
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), 7, 'the row arrived without a page reload')

    await row.getByRole('link', { name: '#1', exact: true }).click()
    await page.getByRole('button', { name: 'Stop build' }).click()
    await page.locator('[data-build-status="STOPPED"]').waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: 'Retry build' }).click()
    await page.waitForURL((url) => !decodeURIComponent(url.hash).includes(first) && url.hash.startsWith('#/builds/console-many'))
    await page.locator('[data-build-status="IN_PROGRESS"]').waitFor()

    // 100 more builds stay queued behind the running one (limit 1): the history needs a second page.
    const status = await page.evaluate(async () => {
      const codes = []
      for (let i = 0; i < 100; i++) codes.push((await fetch('/console/api/projects/console-many/builds', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)
      return [...new Set(codes)]
    })
    assert.deepEqual(status, [200])
    await page.goto(`${server.url}/#/projects/console-many`)
    const rows = page.locator('tr[data-build]')
    await page.locator('tr[data-build]', { hasText: '#102' }).waitFor()
    assert.equal(await rows.count(), 100)
    assert.equal(await rows.first().locator('td').first().innerText(), '#102', 'newest first')
    await page.getByRole('button', { name: 'Load older builds' }).click()
    await page.locator(`tr[data-build="${first}"]`).waitFor()
    assert.equal(await rows.count(), 102)
    assert.equal(await rows.last().locator('td').first().innerText(), '#1')
    assert.equal(await page.getByRole('button', { name: 'Load older builds' }).count(), 0)

    await page.goto(`${server.url}/#/builds`)
    await page.locator('tr[data-project="console-colours"] [data-latest-status="SUCCEEDED"]').waitFor()
    await page.locator('tr[data-project="console-many"] [data-latest-status="IN_PROGRESS"]', { hasText: '#102' }).waitFor()
    await page.screenshot({ path: path.join(SHOTS, 'builds.png') })
  })

  it('answers errors as JSON and refuses without a session', async () => {
    const unknown = await page.request.get(`${server.url}/console/api/projects/no-such-project/builds`)
    assert.equal(unknown.status(), 404)
    assert.equal((await unknown.json()).error, 'ResourceNotFoundException')
    assert.equal((await fetch(`${server.url}/console/api/projects`)).status, 401)
    assert.equal((await fetch(`${server.url}/console/api/builds/x:y/details`)).status, 401)
    await page.goto(`${server.url}/#/projects/no-such-project`)
    await page.getByRole('alert').filter({ hasText: 'no-such-project' }).waitFor()
  })
})
