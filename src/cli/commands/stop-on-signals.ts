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

/**
 * Keeps a worker (the deploy agent, a build runner) in the foreground: SIGTERM/SIGINT stop it (exit 0,
 * or 1 when stopping failed); when it ends by itself, exit 0, or 1 with its reason.
 */
export function foregroundWorker(what: string, worker: { stop(): Promise<unknown>; done: Promise<unknown> }): void {
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    worker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  worker.done.then(
    () => {
      if (!stopping) process.exit(0)
    },
    (err: unknown) => {
      process.stderr.write(`slipway: ${what} stopped: ${(err as Error).message}\n`)
      process.exit(1)
    },
  )
}
