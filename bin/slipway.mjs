#!/usr/bin/env node
// Launcher: runs Slipway's TypeScript entry point on the Node 24 the project pins (node_modules/node),
// whatever Node version invoked this script, from any working directory.
import { spawn } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = dirname(dirname(realpathSync(fileURLToPath(import.meta.url))))
const entry = join(root, 'src', 'cli', 'main.ts')
const major = Number(process.versions.node.split('.')[0])
const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
const node = existsSync(pinned) ? pinned : major >= 24 ? process.execPath : null
if (!node) {
  console.error(`slipway needs Node.js 24; run 'npm install' in ${root} (it installs Node 24 locally)`)
  process.exit(1)
}
// Already on that Node: run the entry point here (one Node start, not two).
if (realpathSync(node) === realpathSync(process.execPath)) {
  await import(pathToFileURL(entry).href)
} else {
  const child = spawn(node, ['--disable-warning=ExperimentalWarning', entry, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}
