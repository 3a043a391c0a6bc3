import { fmtBytes, fmtDuration, statusClass } from './api.ts'

export type TestReport = {
  arn: string
  name?: string
  status?: string
  testSummary?: { total: number; statusCounts: Record<string, number>; durationInNanoSeconds: number }
  failedTestCases: { prefix?: string; name?: string; status?: string; message?: string }[]
}
export type ArtifactView = { identifier: string; location: string; bucket: string; key: string; files: { key: string; size: number }[] }


export function TestReports({ reports }: { reports: TestReport[] }) {
  if (reports.length === 0) return <p className="muted small">This build has no test reports.</p>
  return (
    <>
      {reports.map((r) => (
        <article key={r.arn} className="build-report" aria-label={`Test report ${r.name ?? r.arn}`}>
          <div className="row">
            <strong className="mono">{r.name}</strong>
            <span className={statusClass(r.status)}>{r.status}</span>
          </div>
          {r.testSummary && (
            <p className="small" data-report-counts>
              {r.testSummary.total} tests:{' '}
              {Object.entries(r.testSummary.statusCounts).map(([status, n]) => `${n} ${status.toLowerCase()}`).join(', ')}
              {' · '}{fmtDuration(r.testSummary.durationInNanoSeconds / 1e6)}
            </p>
          )}
          {r.failedTestCases.length > 0 && (
            <div className="scroll-x">
              <table className="list build-table">
                <caption className="sr-only">Tests that did not pass</caption>
                <thead><tr><th scope="col">Test</th><th scope="col">Status</th><th scope="col">Message</th></tr></thead>
                <tbody>
                  {r.failedTestCases.map((c, i) => (
                    <tr key={i} data-test-case={c.name}>
                      <td><span className="muted">{c.prefix}</span> {c.name}</td>
                      <td><span className={statusClass(c.status)}>{c.status}</span></td>
                      <td className="mono small build-message">{c.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </article>
      ))}
    </>
  )
}

export function ExportedVariables({ variables }: { variables: { name?: string; value?: string }[] }) {
  if (variables.length === 0) return <p className="muted small">This build exported no variables.</p>
  return (
    <div className="scroll-x">
      <table className="list build-table">
        <caption className="sr-only">Exported variables</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
        <tbody>
          {variables.map((v) => (
            <tr key={v.name} data-variable={v.name}><td className="mono">{v.name}</td><td className="mono build-message">{v.value}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Each artifact's files with a download link (through the console), and the AWS CLI command that copies it. */
export function Artifacts({ buildId, artifacts }: { buildId: string; artifacts: ArtifactView[] }) {
  if (artifacts.length === 0) return <p className="muted small">This build uploaded no artifacts.</p>
  return (
    <>
      {artifacts.map((a) => {
        const single = a.files.length === 1 && a.files[0]!.key === a.key
        const command = single ? `aws s3 cp s3://${a.bucket}/${a.key} .` : `aws s3 cp --recursive s3://${a.bucket}/${a.key}/ .`
        return (
          <article key={a.identifier} className="build-artifact" data-artifact={a.identifier}>
            <p className="small"><strong>{a.identifier}</strong> <span className="mono build-message">{a.location}</span></p>
            <ul className="build-files">
              {a.files.map((f) => (
                <li key={f.key}>
                  <a href={`/console/api/builds/${encodeURIComponent(buildId)}/artifact?key=${encodeURIComponent(f.key)}`} download={f.key.split('/').pop()} className="mono">
                    Download {f.key.split('/').pop()}
                  </a>{' '}
                  <span className="muted small">{fmtBytes(f.size)}</span>
                </li>
              ))}
              {a.files.length === 0 && <li className="muted small">The artifact is no longer in its bucket.</li>}
            </ul>
            <label className="small muted" htmlFor={`cp-${a.identifier}`}>Copy with the AWS CLI</label>
            <input id={`cp-${a.identifier}`} className="mono small build-command" readOnly value={command} onFocus={(e) => e.currentTarget.select()} />
          </article>
        )
      })}
    </>
  )
}
