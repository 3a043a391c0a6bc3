import { api, fmtTime, statusClass, useLive } from './api.ts'

type Row = { name: string; version: number; updated: string; latestExecution?: { pipelineExecutionId: string; status: string; startTime: string; sourceRevisions?: { revisionSummary?: string }[] } }

export function PipelineList() {
  const { data, error } = useLive(() => api<{ pipelines: Row[] }>('/pipelines'), [], (e) => e.type.includes('Pipeline') || e.type.includes('pipeline'))
  return (
    <section>
      <h1>Pipelines</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {data && data.pipelines.length === 0 && <p className="muted">No pipelines yet. Create one with <code>aws codepipeline create-pipeline</code>.</p>}
      {data && data.pipelines.length > 0 && (
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
      )}
    </section>
  )
}
