import { useEffect, useRef, useState } from 'react'
import { api, fmtTime, live, statusClass, useLive } from './api.ts'

type Build = { id: string; buildStatus: string; projectName: string; startTime?: string; endTime?: string; sourceVersion?: string; resolvedSourceVersion?: string; phases?: { phaseType: string; phaseStatus?: string; durationInSeconds?: number }[] }

/** Streams the complete log with `?follow=true`; restarts from the top after a reconnect. */
function useLog(url: string | undefined) {
  const [text, setText] = useState('')
  const [epoch, setEpoch] = useState(0)
  useEffect(() => {
    const l = (e: unknown) => e === 'reconnected' && setEpoch((n) => n + 1)
    live.listeners.add(l)
    return () => void live.listeners.delete(l)
  }, [])
  useEffect(() => {
    if (!url) return
    const abort = new AbortController()
    setText('')
    ;(async () => {
      const res = await fetch(`${url}?follow=true`, { signal: abort.signal, credentials: 'same-origin' })
      if (!res.ok || !res.body) return setText(`Could not load the log (${res.status})`)
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        setText((t) => t + value)
      }
    })().catch(() => {})
    return () => abort.abort()
  }, [url, epoch])
  return text
}

export function BuildPage({ id }: { id: string }) {
  const { data, error } = useLive(() => api<{ build: Build; logUrl: string }>(`/builds/${encodeURIComponent(id)}`), [id], (e) => e.type.includes('Build'))
  const log = useLog(data?.logUrl)
  const pre = useRef<HTMLPreElement>(null)
  useEffect(() => {
    const el = pre.current
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight
  }, [log])
  const b = data?.build
  return (
    <section>
      <p className="crumbs"><a href="#/">Pipelines</a> / builds /</p>
      <h1 className="mono">{id}</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {b && (
        <>
          <dl className="facts">
            <dt>Status</dt><dd><span className={statusClass(b.buildStatus)} data-build-status={b.buildStatus}>{b.buildStatus}</span></dd>
            <dt>Project</dt><dd>{b.projectName}</dd>
            <dt>Source</dt><dd className="mono small">{b.resolvedSourceVersion ?? b.sourceVersion ?? ''}</dd>
            <dt>Started</dt><dd>{fmtTime(b.startTime)}</dd>
            <dt>Ended</dt><dd>{fmtTime(b.endTime)}</dd>
          </dl>
          <ol className="phases" aria-label="Phases">
            {(b.phases ?? []).map((p) => (
              <li key={p.phaseType} className={statusClass(p.phaseStatus)}>
                {p.phaseType} {p.durationInSeconds !== undefined ? `${p.durationInSeconds}s` : ''}
              </li>
            ))}
          </ol>
        </>
      )}
      <h2>Log</h2>
      <pre className="log" ref={pre} aria-label="Build log" tabIndex={0}>{log}</pre>
    </section>
  )
}
