import './editor-alert.css'

/** A styled error box (role="alert") with the server's error code in bold before its message. */
export function ErrorAlert({ text }: { text: string }) {
  const m = /^([A-Z][A-Za-z]+): ([\s\S]*)$/.exec(text)
  return (
    <div className="alert-box" role="alert">
      {m ? <><strong>{m[1]}</strong>: {m[2]}</> : text}
    </div>
  )
}
