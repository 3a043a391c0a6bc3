import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ROOT, SLIPWAY_BIN, type TestServer } from './server.ts'
import { awsCliAvailable, AWS } from './aws-cli.ts'
import { run } from './run.ts'

export const CHROMIUM = '/usr/bin/chromium'
export const SHOTS = path.join(ROOT, 'docs', 'screenshots')

/** Why the browser tests cannot run here, or false (print the reason and skip the suite). */
export async function browserSkipReason(): Promise<string | false> {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium)`
  if (!(await awsCliAvailable())) return `AWS CLI '${AWS}' not installed`
  return false
}

/** Headless Debian Chromium, as the console tests drive it. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** Signs `page` in with a one-time link from `slipway console --no-open` and waits for the pipelines page. */
export async function signInWithCliLink(page: Page, server: TestServer): Promise<void> {
  const cli = await run(process.execPath, [SLIPWAY_BIN, 'console', '--no-open', '--data-dir', server.dataDir])
  if (cli.code !== 0) throw new Error(`slipway console failed: ${cli.stderr}`)
  const login = /(http:\/\/\S+\/console\/login\?token=\S+)/.exec(cli.stdout)?.[1]
  if (!login) throw new Error(`no login link in: ${cli.stdout}`)
  await page.goto(login)
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}
