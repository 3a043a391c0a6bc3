import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { api, describeError, fmtTime, useSubmit } from './api.ts'
import { ErrorAlert } from './ErrorAlert.tsx'
import { BranchFields } from './EditorBranchFields.tsx'
import { parseDeclaration, pretty } from './editor-declaration.ts'
import './editor.css'

type Definition = { pipeline: { name: string; version?: number }; metadata?: { pipelineArn?: string; created?: string; updated?: string } }

export function PipelineEditor({ name }: { name: string }) {
  const enc = encodeURIComponent(name)
  const [loaded, setLoaded] = useState<Definition | undefined>()
  const [text, setText] = useState('')
  const [saved, setSaved] = useState<number | undefined>()
  const { busy, error, setError, run } = useSubmit(describeError)

  const load = useCallback(async () => {
    const d = await api<Definition>(`/pipelines/${enc}/definition`)
    setLoaded(d)
    setText(pretty(d.pipeline))
  }, [enc])
  useEffect(() => {
    setLoaded(undefined)
    setSaved(undefined)
    setError(undefined)
    load().catch((e) => setError(describeError(e)))
  }, [load])

  const save = async (e: FormEvent) => {
    e.preventDefault()
    setSaved(undefined)
    const parsed = parseDeclaration(text)
    if (!parsed.value) return setError(parsed.error)
    const version = await run(async () => {
      const out = await api<{ pipeline: { version: number } }>(`/pipelines/${enc}/definition`, { method: 'PUT', body: { pipeline: parsed.value, expectedVersion: loaded?.pipeline.version } })
      await load()
      return out.pipeline.version
    })
    if (version !== undefined) setSaved(version)
  }

  const dirty = loaded !== undefined && text !== pretty(loaded.pipeline)
  return (
    <section className="editor">
      <p className="crumbs"><a href="#/">Pipelines</a> / <a href={`#/pipelines/${enc}`}>{name}</a> /</p>
      <h1>Edit {name}</h1>
      {loaded && (
        <dl className="facts">
          <dt>Version</dt><dd data-version={loaded.pipeline.version}>{loaded.pipeline.version}</dd>
          <dt>Last updated</dt><dd>{fmtTime(loaded.metadata?.updated)}</dd>
          <dt>Created</dt><dd>{fmtTime(loaded.metadata?.created)}</dd>
          <dt>ARN</dt><dd className="mono small editor-arn">{loaded.metadata?.pipelineArn}</dd>
        </dl>
      )}
      {!loaded && error && <ErrorAlert text={error} />}
      {loaded && (
        <form onSubmit={save} aria-label="Pipeline definition">
          <BranchFields text={text} onText={setText} />
          <label htmlFor="pipeline-json" className="editor-label">Pipeline JSON</label>
          <p className="muted small" id="pipeline-json-help">The declaration as <code>aws codepipeline get-pipeline</code> returns it. Saving runs UpdatePipeline; the name cannot change here.</p>
          <textarea id="pipeline-json" className="editor-json mono" aria-describedby="pipeline-json-help" spellCheck={false} autoCapitalize="off" autoCorrect="off"
            rows={16} value={text} onChange={(e) => setText(e.target.value)} />
          <div className="row editor-buttons">
            <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
            <button type="button" className="secondary" disabled={!dirty || busy} onClick={() => (setText(pretty(loaded.pipeline)), setError(undefined))}>Discard changes</button>
            {dirty && <span className="muted small">Unsaved changes</span>}
          </div>
          {saved !== undefined && <p className="ok-box" role="status">Saved version {saved}</p>}
          {error && <ErrorAlert text={error} />}
        </form>
      )}
    </section>
  )
}
