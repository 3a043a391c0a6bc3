import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { ShellSession } from '../executors/executor.ts'

const RS = '\x1e'

/**
 * Runs commands one at a time in a build's single shell session, so `cd`, `export` and functions
 * carry over (buildspec 0.2). Each command's text goes to a file in the control dir and is sourced
 * with stdin from /dev/null (a command reading stdin must not eat the next one); after it, the shell
 * prints a marker `RS<nonce>:<n>:<status>RS\n` that this driver strips from the output to learn the
 * exit status. The nonce is random per build. `exit N` inside a command ends that command with N
 * instead of the shell (the shell must survive for the next phases).
 */
export class ShellDriver {
  readonly #session: ShellSession
  readonly #hostControlDir: string
  readonly #onOutput: (text: string) => void
  readonly #nonce = randomBytes(12).toString('hex')
  #buffer = ''
  #counter = 0
  #pending = new Map<number, (status: number) => void>()
  #ended = false

  constructor(session: ShellSession, hostControlDir: string, onOutput: (text: string) => void) {
    this.#session = session
    this.#hostControlDir = hostControlDir
    this.#onOutput = onOutput
    session.output.setEncoding('utf8')
    session.output.on('data', (chunk: string) => this.#consume(chunk))
    session.output.on('end', () => this.#flushAll())
    void session.exited.then(() => {
      this.#ended = true
      this.#flushAll()
      for (const resolve of this.#pending.values()) resolve(-1)
      this.#pending.clear()
    })
    // `exit N` in a command must end that command, not the session: inside a dot script `return N`
    // does exactly that, and an alias (bash, dash and busybox all expand them here) maps one to the other.
    this.#send(`if [ -n "\${BASH_VERSION-}" ]; then shopt -s expand_aliases; fi; alias exit=return\n`)
  }

  /** True once the shell has ended (killed, or something `exec`-ed it away). */
  get ended(): boolean {
    return this.#ended
  }

  /** Runs one command; resolves with its exit status, or -1 if the shell ended first. */
  run(command: string): Promise<number> {
    if (this.#ended) return Promise.resolve(-1)
    const n = ++this.#counter
    const file = `cmd-${n}.sh`
    fs.writeFileSync(path.join(this.#hostControlDir, file), command.endsWith('\n') ? command : `${command}\n`)
    const sessionFile = `${this.#session.paths.controlDir}/${file}`
    const status = new Promise<number>((resolve) => this.#pending.set(n, resolve))
    this.#send(`. '${sessionFile}' </dev/null; printf '\\036%s:%s:%s\\036\\n' '${this.#nonce}' '${n}' "$?"\n`)
    return status
  }

  /** Runs a command the user did not write (bookkeeping); its output is still shown. */
  internal(command: string): Promise<number> {
    return this.run(command)
  }

  /** Ends the shell's input; it exits after the running command. */
  close(): void {
    this.#session.stdin.end()
  }

  #send(text: string): void {
    if (!this.#ended) this.#session.stdin.write(text)
  }

  #consume(chunk: string): void {
    this.#buffer += chunk
    for (;;) {
      const start = this.#buffer.indexOf(RS)
      if (start < 0) {
        this.#emit(this.#buffer)
        this.#buffer = ''
        return
      }
      const end = this.#buffer.indexOf(`${RS}\n`, start + 1)
      if (end < 0) {
        // Maybe a marker split across chunks: keep from RS on, unless it is clearly not ours.
        if (this.#buffer.length - start > 64) {
          this.#emit(this.#buffer.slice(0, start + 1))
          this.#buffer = this.#buffer.slice(start + 1)
          continue
        }
        this.#emit(this.#buffer.slice(0, start))
        this.#buffer = this.#buffer.slice(start)
        return
      }
      const m = /^(\w+):(\d+):(\d+)$/.exec(this.#buffer.slice(start + 1, end))
      if (!m || m[1] !== this.#nonce) {
        this.#emit(this.#buffer.slice(0, start + 1))
        this.#buffer = this.#buffer.slice(start + 1)
        continue
      }
      this.#emit(this.#buffer.slice(0, start))
      this.#buffer = this.#buffer.slice(end + 2)
      const n = Number(m[2])
      this.#pending.get(n)?.(Number(m[3]))
      this.#pending.delete(n)
    }
  }

  #flushAll(): void {
    this.#emit(this.#buffer)
    this.#buffer = ''
  }

  #emit(text: string): void {
    if (text.length > 0) this.#onOutput(text)
  }
}
