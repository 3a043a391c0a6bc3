/** Stops gracefully on SIGTERM/SIGINT (once), then exits 0 — or 1 when stopping failed. */
export function stopOnSignals(log: { info(obj: object, msg: string): void }, stop: () => Promise<unknown>): void {
  let stopping = false
  const onSignal = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`slipway: shutdown failed: ${String(err)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  process.on('SIGINT', () => onSignal('SIGINT'))
}
