import { useEffect, useRef, useState } from 'react'

/** The clone URL in a read-only field with a Copy button; falls back to selecting the text when the clipboard is refused. */
export function CloneUrl({ url }: { url: string }) {
  const [note, setNote] = useState('')
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (!note) return
    const timer = setTimeout(() => setNote(''), 4000)
    return () => clearTimeout(timer)
  }, [note])
  const copy = async () => {
    setNote('')
    try {
      await navigator.clipboard.writeText(url)
      setNote('Copied')
    } catch {
      input.current?.focus()
      input.current?.select()
      setNote('Selected: press Ctrl+C (⌘C) to copy')
    }
  }
  return (
    <div className="repo-clone">
      <label htmlFor="clone-url">Clone URL (HTTP)</label>
      <div className="row repo-clone-row">
        <input id="clone-url" ref={input} className="mono" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>Copy</button>
        <span className="small repo-copied" role="status">{note}</span>
      </div>
    </div>
  )
}
