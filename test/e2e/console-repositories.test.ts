import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { basicUrl, gitOk, makeWorkTree } from '../helpers/git.ts'
import { browserSkipReason, launchBrowser, signInWithCliLink, SHOTS } from '../helpers/browser.ts'

const skip = await browserSkipReason()
if (skip) console.log(`# console repositories browser test skipped: ${skip}`)

const NAME = 'web-app'

describe('console repositories in Chromium', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let cloneUrl: string
  let work: string
  let pushUrl: string

  const commitRows = () => page.locator('.repo-commits tbody tr')
  const alerts = () => page.getByRole('alert')
  const push = (branch: string) => gitOk(work, ['push', '-q', pushUrl, `${branch}:${branch}`])

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    const created = await aws(server, ['codecommit', 'create-repository', '--repository-name', NAME, '--repository-description', 'The demo web app'])
    assert.equal(created.code, 0, created.stderr)
    assert.equal((await aws(server, ['codecommit', 'create-repository', '--repository-name', 'empty-repo'])).code, 0)
    const got = await aws(server, ['codecommit', 'get-repository', '--repository-name', NAME])
    cloneUrl = got.json.repositoryMetadata.cloneUrlHttp
    assert.match(cloneUrl, /^http:\/\/.+\/v1\/repos\/web-app$/)

    // main: an initial commit with a nested folder, a binary and a 1.2 MB file, then 34 more: 35 commits.
    work = path.join(tempDir('console-repositories'), NAME)
    await makeWorkTree(work, {
      'README.md': '# web-app\n',
      'src/lib/util.ts': 'export const answer = 42\n',
      'big.txt': `${'x'.repeat(99)}\n`.repeat(12_000),
    })
    fs.writeFileSync(path.join(work, 'logo.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01, 0xff]))
    await gitOk(work, ['add', '-A'])
    await gitOk(work, ['commit', '-q', '--amend', '-m', 'initial commit'])
    for (let i = 1; i <= 34; i++) await gitOk(work, ['commit', '-q', '--allow-empty', '-m', `step ${i}\n\nbody of step ${i}`])
    pushUrl = basicUrl(server.url, NAME, server.accessKeyId, server.secretAccessKey)
    await push('main')
    // A second branch with its own file and newest commit.
    await gitOk(work, ['checkout', '-q', '-b', 'feature/login'])
    fs.writeFileSync(path.join(work, 'login.html'), '<form>login</form>\n')
    await gitOk(work, ['add', '-A'])
    await gitOk(work, ['commit', '-q', '-m', 'Add login form'])
    await push('feature/login')
    await gitOk(work, ['checkout', '-q', 'main'])

    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] })
    page = await context.newPage()
    await signInWithCliLink(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('lists repositories with description, default branch and clone URL', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Repositories' }).click()
    const row = page.locator(`tr[data-repository="${NAME}"]`)
    await row.waitFor()
    assert.deepEqual(
      (await row.locator('td').allInnerTexts()).map((t) => t.trim()).filter((_, i) => i !== 3),
      [NAME, 'The demo web app', 'main', cloneUrl],
    )
    assert.match(await row.locator('td').nth(3).innerText(), /\d/, 'last modified is shown')
    assert.equal((await page.locator('tr[data-repository="empty-repo"] td').nth(2).innerText()).trim(), 'empty')
  })

  it('shows the clone URL and copies it with the Copy button, by mouse and by keyboard', async () => {
    await page.getByRole('link', { name: NAME }).click()
    const field = page.getByLabel('Clone URL (HTTP)')
    await field.waitFor()
    assert.equal(await field.inputValue(), cloneUrl)
    assert.equal(await field.getAttribute('readonly'), '')
    await page.getByRole('button', { name: 'Copy' }).click()
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor()
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), cloneUrl)

    await page.evaluate('navigator.clipboard.writeText("something else")')
    await field.focus()
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Copy', 'Tab from the field reaches Copy')
    await page.keyboard.press('Enter')
    await page.waitForFunction(`navigator.clipboard.readText().then((t) => t === ${JSON.stringify(cloneUrl)})`)
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor()
  })

  it('lists the default branch commits newest first, 30 a page, with Older and Newer', async () => {
    await page.locator('#commits-heading').waitFor()
    await commitRows().first().waitFor()
    assert.equal(await commitRows().count(), 30)
    const first = await commitRows().first().locator('td').allInnerTexts()
    assert.match(first[0] ?? '', /^[0-9a-f]{8}$/)
    assert.equal(first[1], 'step 34', 'newest first, first line of the message only')
    assert.equal(first[2], 'Test Dev')
    assert.equal(await page.locator('#branch').inputValue(), 'main')
    await page.screenshot({ path: path.join(SHOTS, 'repository.png') })

    const pages = page.getByRole('navigation', { name: 'Commit pages' })
    assert.equal(await pages.getByRole('button', { name: 'Newer' }).isDisabled(), true)
    await pages.getByRole('button', { name: 'Older' }).click()
    await pages.getByRole('status').filter({ hasText: 'Commits 31–35' }).waitFor()
    assert.deepEqual(await commitRows().locator('td:nth-child(2)').allInnerTexts(), ['step 4', 'step 3', 'step 2', 'step 1', 'initial commit'])
    assert.equal(await pages.getByRole('button', { name: 'Older' }).isDisabled(), true)
    await pages.getByRole('button', { name: 'Newer' }).click()
    await pages.getByRole('status').filter({ hasText: 'Commits 1–30' }).waitFor()
    assert.equal(await commitRows().first().locator('td').nth(1).innerText(), 'step 34')
  })

  it('browses folders with a breadcrumb and shows a file, a binary and a large file', async () => {
    const files = page.locator('.repo-files')
    await files.getByRole('link', { name: 'src/' }).click()
    await files.getByRole('link', { name: 'lib/' }).click()
    await files.getByRole('link', { name: 'util.ts' }).click()
    assert.equal(await files.locator('pre').innerText(), 'export const answer = 42\n')
    const crumbs = page.getByRole('navigation', { name: 'Path' })
    assert.deepEqual((await crumbs.locator('li').allInnerTexts()).map((t) => t.replace('/', '').trim()), [NAME, 'src', 'lib', 'util.ts'])
    assert.match(page.url(), /file=src%2Flib%2Futil\.ts/)
    await crumbs.getByRole('link', { name: 'src' }).click()
    await files.getByRole('link', { name: 'lib/' }).waitFor()
    await crumbs.getByRole('link', { name: NAME }).click()
    await files.getByRole('link', { name: 'logo.bin' }).click()
    await files.getByText('This file is binary').waitFor()
    assert.equal(await files.locator('pre').count(), 0)
    await crumbs.getByRole('link', { name: NAME }).click()
    await files.getByRole('link', { name: 'big.txt' }).click()
    await files.getByText('larger than 1 MB').waitFor()
    assert.equal(await files.locator('pre').count(), 0)
    await crumbs.getByRole('link', { name: NAME }).click()
  })

  it('switches branch: the hash, the commits and the files follow', async () => {
    await page.locator('#branch').selectOption('feature/login')
    await page.waitForFunction(`location.hash.includes('ref=feature%2Flogin')`)
    await page.locator('.repo-commits tbody tr:first-child td:nth-child(2)', { hasText: 'Add login form' }).waitFor()
    await page.locator('.repo-files').getByRole('link', { name: 'login.html' }).waitFor()
  })

  it('shows a push to the open branch at the top of the commits without a reload', async () => {
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7))
    await gitOk(work, ['checkout', '-q', 'feature/login'])
    await gitOk(work, ['commit', '-q', '--allow-empty', '-m', 'Live commit from the test'])
    await push('feature/login')
    await page.locator('.repo-commits tbody tr:first-child td:nth-child(2)', { hasText: 'Live commit from the test' }).waitFor({ timeout: 10_000 })
    assert.equal(await commitRows().nth(1).locator('td').nth(1).innerText(), 'Add login form')
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), 7, 'the page was not reloaded')
  })

  it('answers a bad path or ref with a styled alert, and the API with a 4xx JSON error', async () => {
    await page.evaluate(`location.hash = '#/repositories/${NAME}?ref=main&path=does/not/exist'`)
    const alert = alerts().filter({ hasText: "The folder 'does/not/exist' does not exist." })
    await alert.waitFor()
    assert.notEqual(await alert.evaluate((el) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }).getComputedStyle(el).backgroundColor), 'rgba(0, 0, 0, 0)', 'the alert is styled')
    await page.evaluate(`location.hash = '#/repositories/${NAME}?ref=no-such-branch'`)
    await alerts().filter({ hasText: "Commit 'no-such-branch' does not exist." }).first().waitFor()
    await page.evaluate(`location.hash = '#/repositories/${NAME}?file=missing.txt'`)
    await alerts().filter({ hasText: "The file 'missing.txt' does not exist." }).waitFor()

    const api = (p: string) => page.request.get(`${server.url}/console/api/repositories/${p}`)
    const bad = await api(`${NAME}/tree?path=../etc`)
    assert.equal(bad.status(), 400)
    assert.equal((await bad.json()).error, 'InvalidPathException')
    const option = await api(`${NAME}/commits?ref=--all`)
    assert.equal(option.status(), 400)
    assert.equal((await option.json()).error, 'InvalidCommitException')
    const token = await api(`${NAME}/commits?nextToken=bogus`)
    assert.equal(token.status(), 400)
    assert.equal((await token.json()).error, 'InvalidContinuationTokenException')
    const missing = await api('nope/commits')
    assert.equal(missing.status(), 404)
    assert.equal((await missing.json()).error, 'RepositoryDoesNotExistException')
    assert.equal((await fetch(`${server.url}/console/api/repositories`)).status, 401, 'no session, no repositories')
  })

  it('shows an empty repository a push-your-first-commit hint, not an error', async () => {
    await page.evaluate(`location.hash = '#/repositories/empty-repo'`)
    await page.getByRole('heading', { name: 'This repository is empty' }).waitFor()
    const hint = await page.locator('.repo-empty pre').innerText()
    assert.ok(hint.includes(`git clone ${cloneUrl.replace('web-app', 'empty-repo')}`), hint)
    assert.equal(await alerts().count(), 0)
  })

  it('fits a phone screen without horizontal page scroll', async () => {
    await page.setViewportSize({ width: 390, height: 800 })
    await page.evaluate(`location.hash = '#/repositories/${NAME}?path=src/lib'`)
    await page.locator('.repo-files').getByRole('link', { name: 'util.ts' }).waitFor()
    await commitRows().first().waitFor()
    const width = await page.evaluate<number>('document.documentElement.scrollWidth')
    assert.ok(width <= 390, `no horizontal page scroll at 390 px (scrollWidth ${width})`)
    await page.setViewportSize({ width: 1280, height: 800 })
  })
})
