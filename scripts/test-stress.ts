/**
 * `npm run test:stress [-- FILES…]`: runs the tests (all of them, or the files given) while
 * `SLIPWAY_STRESS_LOOPS` (default 2) CPU-bound processes compete for the machine's cores, so a test
 * that depends on timing fails here rather than now and then in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process'

const loops = Number(process.env.SLIPWAY_STRESS_LOOPS ?? 2)
const files = process.argv.slice(2)
const busy: ChildProcess[] = Array.from({ length: loops }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
console.log(`test:stress: ${loops} busy loop(s) running beside the tests`)

const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...(files.length > 0 ? files : ['test/**/*.test.ts'])], { stdio: 'inherit' })
const stopLoops = () => {
  for (const b of busy) b.kill('SIGKILL')
}
process.on('SIGINT', () => {
  stopLoops()
  tests.kill('SIGINT')
})
tests.on('exit', (code, signal) => {
  stopLoops()
  process.exit(code ?? (signal ? 1 : 0))
})
