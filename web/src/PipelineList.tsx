import { useState } from 'react'
import { api, fmtTime, statusClass, useLive } from './api.ts'
import { Pager } from './Pager.tsx'

type Row = { name: string; version: number; updated: string; latestExecution?: { pipelineExecutionId: string; status: string; startTime: string; sourceRevisions?: { revisionSummary?: string }[] } }
type Page = { pipelines: Row[]; total: number; offset: number; pageSize: number }

export function PipelineList() {
  const [q, setQ] = useState('')
  const [offset, setOffset] = useState(0)
  const query = `?q=${encodeURIComponent(q)}&offset=${offset}`
  const { data, error } = useLive(() => api<Page>(`/pipelines${query}`), [query], (e) => e.type.includes('Pipeline') || e.type.includes('pipeline'))
  return (
    <section>
      <h1>Pipelines</h1>
      <div className="row">
        <label htmlFor="pipeline-filter">Filter by name</label>
        <input id="pipeline-filter" type="search" value={q} onChange={(e) => (setQ(e.target.value), setOffset(0))} />
        {data && <span className="muted small">{data.total.toLocaleString('en')} pipelines</span>}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {data && data.total === 0 && !q && <p className="muted">No pipelines yet. Create one with <code>aws codepipeline create-pipeline</code>.</p>}
      {data && data.pipelines.length > 0 && (
        <div className="scroll-x">
          <table className="list">
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Latest execution</th><th scope="col">Started</th><th scope="col">Version</th></tr>
            </thead>
            <tbody>
              {data.pipelines.map((p) => (
                <tr key={p.name} data-pipeline={p.name}>
                  <td><a href={`#/pipelines/${encodeURIComponent(p.name)}`}>{p.name}</a></td>
                  <td><span className={statusClass(p.latestExecution?.status)}>{p.latestExecution?.status ?? 'Never run'}</span></td>
                  <td>{fmtTime(p.latestExecution?.startTime)}</td>
                  <td>{p.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && <Pager label="Pipelines" offset={data.offset} pageSize={data.pageSize} total={data.total} onOffset={setOffset} />}
    </section>
  )
}
