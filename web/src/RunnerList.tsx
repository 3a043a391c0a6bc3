import { api, fmtTime, useLive } from './api.ts'

type Runner = { id: string; name: string; executor: string; capacity: number; labels: Record<string, string[]>; version: string; registeredAt: string; lastSeenAt: string; builds: string[] }

const isBuildEvent = (e: { type: string }) => e.type.startsWith('codebuild.')

/** The build runners present now and what each runs (refreshed as builds start and end). */
export function RunnerList() {
  const { data, error } = useLive(() => api<{ runners: Runner[] }>('/runners'), [], isBuildEvent)
  return (
    <section>
      <h1>Runners</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {data && data.runners.length === 0 && <p className="muted">No runner is present: builds wait QUEUED. Start one with <code>slipway runner --server URL</code> (a key from <code>slipway keys create-runner NAME</code>).</p>}
      {data && data.runners.length > 0 && (
        <table className="list">
          <thead>
            <tr><th scope="col">Runner</th><th scope="col">Executor</th><th scope="col">Builds</th><th scope="col">Labels</th><th scope="col">Last seen</th></tr>
          </thead>
          <tbody>
            {data.runners.map((r) => (
              <tr key={r.id} data-runner={r.name}>
                <td>{r.name} <span className="muted small mono">{r.id}</span></td>
                <td>{r.executor}</td>
                <td>
                  {r.builds.length}/{r.capacity}
                  {r.builds.map((b) => <div key={b} className="small mono"><a href={`#/builds/${encodeURIComponent(b)}`}>{b}</a></div>)}
                </td>
                <td className="small mono">{Object.entries(r.labels).map(([k, v]) => `${k}=${v.join('|')}`).join(', ') || '—'}</td>
                <td>{fmtTime(r.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
