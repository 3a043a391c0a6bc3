import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts'
import { aws } from '../helpers/aws-cli.ts'
import { browserSkipReason, launchBrowser, signInWithCliLink, SHOTS } from '../helpers/browser.ts'
import { buildStage, createPipeline, createPipelineProject, repoWithPushes, sourceStage } from '../helpers/pipeline-fixtures.ts'

const skip = await browserSkipReason()
if (skip) console.log(`# console editor browser test skipped: ${skip}`)

type Declaration = { name: string; version: number; roleArn?: string; stages: { name: string; actions: Record<string, any>[] }[] }

describe('pipeline editor in Chromium', { skip }, () => {
  let server: TestServer
  let browser: Browser
  let page: Page
  const work = tempDir('console-editor')
  const puts: string[] = []

  const stored = async () => {
    const r = await aws(server, ['codepipeline', 'get-pipeline', '--name', 'editor-demo'])
    assert.equal(r.code, 0, r.stderr)
    return r.json.pipeline as Declaration
  }
  const editorText = async () => JSON.parse(await page.getByLabel('Pipeline JSON').inputValue()) as Declaration
  const save = async (text: string) => {
    await page.getByLabel('Pipeline JSON').fill(text)
    await page.getByRole('button', { name: 'Save' }).click()
  }

  before(async () => {
    server = await startTestServer({ extraArgs: ['--executor', 'host'] })
    assert.equal((await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])).code, 0)
    assert.equal((await createPipelineProject(server, 'editor-build', 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n')).code, 0)
    await repoWithPushes(server, work, 'editor-app')
    const created = await createPipeline(server, work, { name: 'editor-demo', stages: [sourceStage('editor-app', 'main'), buildStage('editor-build')] })
    assert.equal(created.code, 0, created.stderr)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('request', (r) => r.method() === 'PUT' && puts.push(r.url()))
    await signInWithCliLink(page, server)
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows the server’s structure error for a broken pipeline and changes nothing', async () => {
    await page.goto(`${server.url}/#/pipelines/editor-demo/edit`)
    await page.locator('dd[data-version="1"]').waitFor()
    const declaration = await editorText()
    assert.equal(declaration.name, 'editor-demo')
    assert.deepEqual(declaration.stages.map((s) => s.name), ['Source', 'Build'])

    const broken = structuredClone(declaration)
    broken.stages[1]!.actions[0]!.inputArtifacts = [{ name: 'NobodyMakesThis' }]
    await save(JSON.stringify(broken, null, 2))
    const alert = page.getByRole('alert')
    await alert.filter({ hasText: 'InvalidStructureException: ' }).waitFor()
    assert.match(await alert.innerText(), /^InvalidStructureException: .*input artifact NobodyMakesThis is not produced by any earlier action/s)
    await page.screenshot({ path: path.join(SHOTS, 'editor.png') })
    assert.equal((await stored()).version, 1)
    assert.deepEqual((await stored()).stages[1]!.actions[0]!.inputArtifacts, [{ name: 'SourceArtifact' }])

    const unknownProvider = structuredClone(declaration)
    unknownProvider.stages[1]!.actions[0]!.actionTypeId.provider = 'NoSuchBuilder'
    await save(JSON.stringify(unknownProvider))
    await alert.filter({ hasText: 'InvalidActionDeclarationException: ' }).waitFor()
    assert.match(await alert.innerText(), /NoSuchBuilder/)

    const noActions = structuredClone(declaration)
    noActions.stages[1]!.actions = []
    await save(JSON.stringify(noActions))
    await alert.filter({ hasText: 'InvalidStageDeclarationException: Stage Build has no actions' }).waitFor()
    assert.equal((await stored()).version, 1)
  })

  it('catches invalid JSON in the page without sending anything, and refuses a renamed pipeline', async () => {
    const before = puts.length
    await save('{ "name": "editor-demo", ')
    await page.getByRole('alert').filter({ hasText: 'The pipeline JSON is not valid: ' }).waitFor()
    assert.equal(puts.length, before, 'no request was sent')
    assert.equal((await stored()).version, 1)

    const { roleArn: _, ...noRole } = await stored()
    await save(JSON.stringify(noRole))
    await page.getByRole('alert').filter({ hasText: "ValidationException: 1 validation error detected: Value null at 'pipeline.roleArn'" }).waitFor()
    assert.equal((await stored()).version, 1)

    const renamed = { ...(await stored()), name: 'someone-else' }
    await save(JSON.stringify(renamed))
    await page.getByRole('alert').filter({ hasText: 'ValidationException: The pipeline\'s name cannot be changed here' }).waitFor()
    assert.equal(puts.length, before + 2)
    assert.equal((await aws(server, ['codepipeline', 'get-pipeline', '--name', 'someone-else'])).errorCode, 'PipelineNotFoundException')
    assert.equal((await stored()).version, 1)
  })

  it('saves a valid change (branch from the form, a new stage in the JSON) as version 2', async () => {
    await page.getByRole('button', { name: 'Discard changes' }).click()
    await page.getByLabel('Branch of Source / Source').fill('release')
    const edited = await editorText()
    assert.equal(edited.stages[0]!.actions[0]!.configuration.BranchName, 'release', 'the form writes into the JSON')
    edited.stages.push({
      name: 'Check',
      actions: [{ name: 'Check', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: ['echo checked'], inputArtifacts: [{ name: 'SourceArtifact' }] }],
    })
    await save(JSON.stringify(edited, null, 2))
    await page.getByRole('status').filter({ hasText: 'Saved version 2' }).waitFor()
    await page.locator('dd[data-version="2"]').waitFor()
    assert.equal(await page.getByRole('alert').count(), 0)
    const after = await stored()
    assert.equal(after.version, 2)
    assert.deepEqual(after.stages.map((s) => s.name), ['Source', 'Build', 'Check'])
    assert.deepEqual(after.stages[2]!.actions[0]!.commands, ['echo checked'])
    assert.equal(after.stages[0]!.actions[0]!.configuration.BranchName, 'release')
    assert.equal((await editorText()).version, 2, 'the editor shows the stored version 2')
  })

  it('refuses to overwrite a change made elsewhere since the page loaded it (409)', async () => {
    const file = path.join(work, 'cli-update.json')
    const current = await stored()
    fs.writeFileSync(file, JSON.stringify({ pipeline: { ...current, stages: current.stages.slice(0, 2) } }))
    const cli = await aws(server, ['codepipeline', 'update-pipeline', '--cli-input-json', `file://${file}`])
    assert.equal(cli.code, 0, cli.stderr)
    const mine = await editorText()
    delete (mine as Partial<Declaration>).version
    await save(JSON.stringify(mine))
    await page.getByRole('alert').filter({ hasText: 'ConflictException: Pipeline editor-demo was changed to version 3 after you loaded version 2' }).waitFor()
    assert.equal((await stored()).version, 3)
    assert.deepEqual((await stored()).stages.map((s) => s.name), ['Source', 'Build'], 'the CLI change was kept')
  })

  it('shows a styled error for a pipeline that does not exist, and fits a phone screen', async () => {
    await page.goto(`${server.url}/#/pipelines/no-such-pipeline/edit`)
    await page.getByRole('alert').filter({ hasText: 'PipelineNotFoundException: ' }).waitFor()
    await page.setViewportSize({ width: 390, height: 800 })
    await page.goto(`${server.url}/#/pipelines/editor-demo/edit`)
    await page.getByLabel('Pipeline JSON').waitFor()
    const width = await page.evaluate<number>('document.documentElement.scrollWidth')
    assert.ok(width <= 390, `no horizontal page scroll at 390 px (scrollWidth ${width})`)
    await page.setViewportSize({ width: 1280, height: 800 })
  })
})
