import { memo, startTransition, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { live } from './api.ts'
import { type AnsiState, type Segment, initialAnsiState, parseAnsiLine } from './ansi.ts'

/** Lines are parsed once, as they arrive, into blocks of this many; a full block never re-renders. */
const BLOCK = 500
type Line = Segment[]
type LogState = { blocks: Line[][]; partial: Line; failed?: string }

/**
 * Streams the complete log with `?follow=true` and parses it incrementally: each chunk's complete
 * lines are parsed once and appended; only the unfinished last line is re-parsed. Renders are batched
 * per animation frame and run as transitions, so a 100,000-line log keeps the page responsive.
 * Restarts from the top after a reconnect.
 */
function useParsedLog(url: string | undefined): LogState {
  const [state, setState] = useState<LogState>({ blocks: [], partial: [] })
  const [epoch, setEpoch] = useState(0)
  useEffect(() => {
    const l = (e: unknown) => e === 'reconnected' && setEpoch((n) => n + 1)
    live.listeners.add(l)
    return () => void live.listeners.delete(l)
  }, [])
  useEffect(() => {
    if (!url) return
    const abort = new AbortController()
    const blocks: Line[][] = []
    let pending = ''
    let ansi: AnsiState = initialAnsiState()
    let frame: number | undefined
    const publish = () => {
      frame = undefined
      const snapshot = blocks.map((b, i) => (i === blocks.length - 1 ? b.slice() : b))
      const partial = parseAnsiLine(pending, ansi).segments
      startTransition(() => setState({ blocks: snapshot, partial }))
    }
    const append = (text: string) => {
      const lines = (pending + text).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const parsed = parseAnsiLine(line, ansi)
        ansi = parsed.state
        let last = blocks.at(-1)
        if (!last || last.length === BLOCK) blocks.push((last = []))
        last.push(parsed.segments)
      }
      frame ??= requestAnimationFrame(publish)
    }
    setState({ blocks: [], partial: [] })
    ;(async () => {
      const res = await fetch(`${url}?follow=true`, { signal: abort.signal, credentials: 'same-origin' })
      if (!res.ok || !res.body) return setState({ blocks: [], partial: [], failed: `Could not load the log (${res.status})` })
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        append(value)
      }
      if (pending !== '') append('\n')
    })().catch(() => {})
    return () => {
      abort.abort()
      if (frame !== undefined) cancelAnimationFrame(frame)
    }
  }, [url, epoch])
  return state
}

function LineText({ segments }: { segments: Line }) {
  return <span className="log-text">{segments.map((s, i) => (s.className ? <span key={i} className={s.className}>{s.text}</span> : s.text))}</span>
}

function LogLine({ n, segments, href, selected }: { n: number; segments: Line; href: string; selected: boolean }) {
  return (
    <div className={selected ? 'log-line log-line-selected' : 'log-line'} id={`L${n}`} data-line={n} aria-current={selected ? 'location' : undefined}>
      <a className="log-no" href={`${href}?line=${n}`} data-n={n} aria-label={`Line ${n}`} />
      <LineText segments={segments} />
    </div>
  )
}

/** A block of lines; React skips it unless its lines or the selected line inside it change. */
const LogBlock = memo(function LogBlock({ lines, first, href, selected }: { lines: Line[]; first: number; href: string; selected?: number }) {
  return (
    <div className="log-block" style={{ containIntrinsicSize: `auto ${lines.length * 1.35}em` }}>
      {lines.map((segments, i) => <LogLine key={i} n={first + i} segments={segments} href={href} selected={selected === first + i} />)}
    </div>
  )
})

/**
 * The build's log with ANSI colours and a link per line number (`<href>?line=N`). The selected line
 * is highlighted and scrolled into view once it has arrived; otherwise the view follows the end of
 * the log while the reader is at the bottom.
 */
export function BuildLog({ url, href, selected }: { url: string | undefined; href: string; selected?: number }) {
  const { blocks, partial, failed } = useParsedLog(url)
  const box = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  const scrolledTo = useRef<number | undefined>(undefined)
  // Set by the reader's own wheel, touch, key or click in the log: then the log no longer moves by itself.
  const readerMoved = useRef(false)
  const lineCount = blocks.length === 0 ? 0 : (blocks.length - 1) * BLOCK + blocks.at(-1)!.length
  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    if (selected === undefined) {
      if (atBottom.current) el.scrollTop = el.scrollHeight
      return
    }
    const line = lineCount >= selected ? el.querySelector<HTMLElement>(`[data-line="${selected}"]`) : null
    if (!line) return
    if (scrolledTo.current !== selected) line.scrollIntoView({ block: readerMoved.current ? 'nearest' : 'center' })
    else if (!readerMoved.current) {
      // More lines arrived: keep it centred, moving the log only (never the page under the reader).
      const r = line.getBoundingClientRect()
      el.scrollTop += r.top - el.getBoundingClientRect().top - (el.clientHeight - r.height) / 2
    }
    scrolledTo.current = selected
  }, [lineCount, partial, selected])
  const onScroll = () => {
    const el = box.current
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80
  }
  const onReader = () => void (readerMoved.current = true)
  const blockOfSelected = selected === undefined ? -1 : Math.floor((selected - 1) / BLOCK)
  return (
    <div className="build-log mono" ref={box} onScroll={onScroll} onWheel={onReader} onTouchStart={onReader} onKeyDown={onReader} onMouseDown={onReader} role="region" aria-label="Build log" tabIndex={0}>
      {failed && <p className="error" role="alert">{failed}</p>}
      {blocks.map((lines, i) => <LogBlock key={i} lines={lines} first={i * BLOCK + 1} href={href} selected={i === blockOfSelected ? selected : undefined} />)}
      {partial.length > 0 && (
        <div className="log-line log-line-partial">
          <span className="log-no" aria-hidden="true" />
          <LineText segments={partial} />
        </div>
      )}
    </div>
  )
}
