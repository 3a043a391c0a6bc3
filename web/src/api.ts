import { useEffect, useRef, useState } from 'react'

/** A console API error: the HTTP status, the server's error code (AWS's, e.g. `InvalidStructureException`) and message. */
export class ApiError extends Error {
  status: number
  code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** "Code: message" for an ApiError (as AWS tools print errors), the message for anything else. */
export const describeError = (e: unknown) => (e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message)

/** Calls the console API; a 401 sends the user to the sign-in page. */
export async function api<T = any>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(`/console/api${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body !== undefined ? { 'content-type': 'application/json' } : {},
    body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
    credentials: 'same-origin',
  })
  const text = await res.text()
  let data: any = {}
  try {
    data = text ? JSON.parse(text) : {}
  } catch {
    data = { message: `The server answered ${res.status}` }
  }
  if (res.status === 401 && !path.startsWith('/session')) location.hash = '#/signin'
  if (!res.ok) throw new ApiError(res.status, data.error ?? `HTTP ${res.status}`, data.message ?? `Request failed (${res.status})`)
  return data as T
}

export type ChangeEvent = { seq: number; type: string; resource: string; detail: Record<string, unknown>; at: string }
type Listener = (e: ChangeEvent | 'reconnected') => void

/** One EventSource for the whole app; pages subscribe to it. `connected` drives the banner. */
class LiveEvents {
  listeners = new Set<Listener>()
  source: EventSource | undefined
  onState: (connected: boolean) => void = () => {}
  wasDown = false

  start() {
    if (this.source) return
    const source = new EventSource('/console/api/events')
    this.source = source
    source.onopen = () => {
      this.onState(true)
      if (this.wasDown) for (const l of this.listeners) l('reconnected')
      this.wasDown = false
    }
    source.addEventListener('change', (m) => {
      const event = JSON.parse((m as MessageEvent).data) as ChangeEvent
      for (const l of this.listeners) l(event)
    })
    source.onerror = () => {
      this.wasDown = true
      this.onState(false)
      if (source.readyState === EventSource.CLOSED) {
        // The server answered but refused (restarted, session gone): check, then reconnect or sign in.
        this.source = undefined
        setTimeout(() => {
          api('/session').then(() => this.start(), (e: ApiError) => (e.status === 401 ? (location.hash = '#/signin') : this.start()))
        }, 2000)
      }
    }
  }

  stop() {
    this.source?.close()
    this.source = undefined
  }
}

export const live = new LiveEvents()

/** Re-runs `load` on mount, on every relevant change event (debounced) and after a reconnect. */
export function useLive<T>(load: () => Promise<T>, deps: unknown[], relevant: (e: ChangeEvent) => boolean = () => true) {
  const [data, setData] = useState<T | undefined>()
  const [error, setError] = useState<string | undefined>()
  const loadRef = useRef(load)
  loadRef.current = load
  useEffect(() => {
    let alive = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const refresh = () =>
      loadRef.current().then(
        (d) => alive && (setData(d), setError(undefined)),
        (e: Error) => alive && setError(e.message),
      )
    refresh()
    const off = (() => {
      const l: Listener = (e) => {
        if (e !== 'reconnected' && !relevant(e)) return
        clearTimeout(timer)
        timer = setTimeout(refresh, 100)
      }
      live.listeners.add(l)
      return () => live.listeners.delete(l)
    })()
    return () => {
      alive = false
      clearTimeout(timer)
      off()
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps)
  return { data, error, reload: () => loadRef.current().then(setData, (e: Error) => setError(e.message)) }
}

/**
 * One request at a time for a form or a button: `busy` while `run(fn)` runs, `error` with what went
 * wrong (`describe` turns a failure into text: its message by default). `run` resolves to what `fn`
 * returned, or undefined when it failed.
 */
export function useSubmit(describe: (e: unknown) => string = (e) => (e as Error).message, initialError?: string) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(initialError)
  const run = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setError(undefined)
    setBusy(true)
    try {
      return await fn()
    } catch (e) {
      setError(describe(e))
      return undefined
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, run }
}

/** "12 ms", "3.4 s", "2 min 5 s". */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

export const fmtTime = (t: string | number | undefined) => (t ? new Date(t).toLocaleString() : '')
export const statusClass = (s: string | undefined) => `status status-${(s ?? 'none').toLowerCase().replace(/_/g, '')}`

/** Bytes as people read them: 512 B, 1.5 KiB, 200.0 MiB. */
export function fmtBytes(n: number | undefined): string {
  if (n === undefined) return ''
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`
}
