/**
 * A small ANSI SGR parser for build logs: turns a line into text segments with CSS classes
 * (`ansi-fg-31`, `ansi-fg-91`, `ansi-bold`). Only text comes out — callers render segments as text
 * nodes, so a log line can never inject markup. Other escape sequences (cursor moves, OSC titles)
 * are dropped; a carriage return starts the line over, as a terminal shows a progress bar.
 */
export type AnsiState = { fg?: number; bold: boolean }
export type Segment = { text: string; className: string }

export const initialAnsiState = (): AnsiState => ({ bold: false })

// CSI (ESC [ params letter), OSC (ESC ] … BEL or ST), or any other two-byte escape.
const ESCAPE = /\x1b(?:\[([0-9;?]*)([A-Za-z])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[^[\]])?/g

function applySgr(params: string, state: AnsiState): AnsiState {
  const next = { ...state }
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)))
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    if (c === 0) (next.fg = undefined), (next.bold = false)
    else if (c === 1) next.bold = true
    else if (c === 22) next.bold = false
    else if (c === 39) next.fg = undefined
    else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) next.fg = c
    else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0 // 256-colour and RGB: skipped
  }
  return next
}

const classOf = (s: AnsiState) => [s.fg !== undefined ? `ansi-fg-${s.fg}` : '', s.bold ? 'ansi-bold' : ''].filter(Boolean).join(' ')

/** Parses one line (without its newline) starting in `state`; returns its segments and the state after it. */
export function parseAnsiLine(line: string, state: AnsiState): { segments: Segment[]; state: AnsiState } {
  let segments: Segment[] = []
  let current = state
  let carriageReturn = false
  const push = (text: string) => {
    text.split('\r').forEach((part, i) => {
      if (i > 0) carriageReturn = true
      if (part === '') return
      if (carriageReturn) (segments = []), (carriageReturn = false)
      const className = classOf(current)
      const last = segments.at(-1)
      if (last && last.className === className) last.text += part
      else segments.push({ text: part, className })
    })
  }
  let at = 0
  ESCAPE.lastIndex = 0
  for (let m = ESCAPE.exec(line); m; m = ESCAPE.exec(line)) {
    push(line.slice(at, m.index))
    if (m[2] === 'm') current = applySgr(m[1] ?? '', current)
    at = m.index + m[0].length
  }
  push(line.slice(at))
  return { segments, state: current }
}
