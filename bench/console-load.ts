/**
 * The console with 200 pipelines and 10,000 executions: how long its API answers and how long Chromium
 * takes from navigation to a rendered page. Executions are real execution states (each pipeline's first
 * run, made by the server) copied into the store while the server is stopped, 9,000 of them on one
 * pipeline (the worst case for its history page) and the rest spread over the others.
 */
import fs from 'node:fs'
import { randomUUID } from 'node:crypto'
import { CreatePipelineCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline'
import { openSqliteStore } from '../src/infra/sql-store/sql-store.ts'
import type { ExecutionState } from '../src/pipeline/model/execution-types.ts'
import { SLIPWAY_BIN, startTestServer, tempDir, type TestServer } from '../test/helpers/server.ts'
import { aws } from '../test/helpers/aws-cli.ts'
import { codePipelineClient } from '../test/helpers/codepipeline.ts'
import { approvalStage, repoWithPushes, ROLE, sourceStage } from '../test/helpers/pipeline-fixtures.ts'
import { CHROMIUM, launchBrowser } from '../test/helpers/browser.ts'
import { run } from '../test/helpers/run.ts'

type Timer = (fn: () => Promise<unknown>) => Promise<number[]>

const PIPELINES = 200
const EXECUTIONS = 10_000
const BUSY = 9_000

async function seed(server: TestServer): Promise<void> {
  const dir = tempDir('bench-console')
  await aws(server, ['s3', 'mb', 's3://pipeline-artifacts'])
  await (await repoWithPushes(server, dir, 'bench-app')).push()
  const client = codePipelineClient(server)
  for (let i = 0; i < PIPELINES; i++) {
    const name = `service-${String(i).padStart(3, '0')}`
    await client.send(new CreatePipelineCommand({ pipeline: { name, roleArn: ROLE, artifactStore: { type: 'S3', location: 'pipeline-artifacts' }, stages: [sourceStage('bench-app'), approvalStage()] as never } }))
  }
  // Each pipeline's first execution waits at its approval: a real, complete execution state to copy.
  for (const deadline = Date.now() + 60_000; ; ) {
    const e = (await client.send(new ListPipelineExecutionsCommand({ pipelineName: `service-${PIPELINES - 1}` }))).pipelineExecutionSummaries?.[0]
    if (e?.status === 'InProgress') break
    if (Date.now() > deadline) throw new Error(`the seed executions did not start: ${JSON.stringify(e)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function copyExecutions(dataDir: string): Promise<void> {
  const store = await openSqliteStore(dataDir)
  try {
    const template = (await store.pipelines.executions('service-000', 1, 0))[0]
    if (!template) throw new Error('no execution to copy')
    const t0 = Date.now() - EXECUTIONS * 60_000
    await store.transaction(async (tx) => {
      for (let i = 0; i < EXECUTIONS; i++) {
        const pipelineName = i < BUSY ? 'service-000' : `service-${String(1 + (i % (PIPELINES - 1))).padStart(3, '0')}`
        const copy: ExecutionState = { ...structuredClone(template), id: randomUUID(), pipelineName, status: i % 7 === 0 ? 'Failed' : 'Succeeded', startTime: t0 + i * 60_000, lastUpdateTime: t0 + i * 60_000 + 30_000 }
        await tx.pipelines.insertExecution(copy)
      }
    })
  } finally {
    store.close()
  }
}

async function sessionCookie(server: TestServer): Promise<string> {
  const cli = await run(process.execPath, [SLIPWAY_BIN, 'console', '--no-open', '--data-dir', server.dataDir])
  const login = /(http:\/\/\S+\/console\/login\?token=\S+)/.exec(cli.stdout)?.[1]
  if (!login) throw new Error(`no login link: ${cli.stdout}${cli.stderr}`)
  const res = await fetch(login, { redirect: 'manual' })
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

export async function benchConsoleLoad(time: Timer, stats: (xs: number[]) => unknown) {
  if (!fs.existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} is not installed` }
  let server = await startTestServer({ extraArgs: ['--executor', 'host', '--no-agent'] })
  try {
    await seed(server)
    await server.stop()
    await copyExecutions(server.dataDir)
    server = await startTestServer({ dataDir: server.dataDir, extraArgs: ['--executor', 'host', '--no-agent'] })
    const cookie = await sessionCookie(server)
    const get = async (path: string) => {
      const res = await fetch(`${server.url}/console/api${path}`, { headers: { cookie } })
      if (!res.ok) throw new Error(`${path}: ${res.status}`)
      return res.json()
    }
    const api = {
      pipelinesPage: stats(await time(() => get('/pipelines'))),
      busyPipelineState: stats(await time(() => get('/pipelines/service-000'))),
      historyFirstPage: stats(await time(() => get('/pipelines/service-000/executions'))),
      historyLastPage: stats(await time(() => get(`/pipelines/service-000/executions?offset=${BUSY - 25}`))),
      historyFailedOnly: stats(await time(() => get('/pipelines/service-000/executions?status=Failed'))),
    }
    const browser = await launchBrowser()
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      const [name, value] = cookie.split('=') as [string, string]
      await context.addCookies([{ name, value, url: server.url }])
      const page = await context.newPage()
      const open = (hash: string, ready: string) => async () => {
        await page.goto('about:blank')
        await page.goto(`${server.url}/${hash}`)
        await page.locator(ready).first().waitFor()
      }
      const browserMs = {
        pipelinesListRendered: stats(await time(open('#/', 'tr[data-pipeline="service-099"]'))),
        busyPipelineRendered: stats(await time(open('#/pipelines/service-000', 'tr[data-execution]'))),
      }
      return { pipelines: PIPELINES, executions: EXECUTIONS + PIPELINES, busyPipelineExecutions: BUSY + 1, apiMs: api, browserMs }
    } finally {
      await browser.close()
    }
  } finally {
    await server.stop()
  }
}
