import { useEffect, useState } from 'react'
import { api, describeError, fmtTime, statusClass, useLive } from './api.ts'
import { ErrorAlert } from './ErrorAlert.tsx'
import { ExecutionAction } from './ExecutionAction.tsx'
import { fmtDuration, safeUrl, type ExecutionDetail } from './execution-types.ts'
import './execution.css'

const RUNNING = ['InProgress', 'Stopping']

/** The current time, ticking every second while `on` (a running execution's duration). */
function useNow(on: boolean) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!on) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [on])
  return now
}

export function ExecutionPage({ pipeline, id }: { pipeline: string; id: string }) {
  const enc = encodeURIComponent(pipeline)
  const base = `/pipelines/${enc}/executions/${encodeURIComponent(id)}`
  const { data, error } = useLive(
    () => api<ExecutionDetail>(base).catch((e) => Promise.reject(new Error(describeError(e)))),
    [base],
    (e) => e.detail?.['execution-id'] === id || (e.type === 'slipway.PipelineConfigurationChange' && e.detail?.pipeline === pipeline),
  )
  const x = data?.execution
  const running = x ? RUNNING.includes(x.status) : false
  const now = useNow(running)
  const start = data?.summary?.startTime
  const end = running ? undefined : data?.summary?.lastUpdateTime
  return (
    <section className="execution">
      <p className="crumbs"><a href="#/">Pipelines</a> / <a href={`#/pipelines/${enc}`}>{pipeline}</a> / executions /</p>
      <h1 className="mono exec-id">{id}</h1>
      {error && <ErrorAlert text={error} />}
      {x && (
        <>
          <dl className="facts">
            <dt>Status</dt><dd><span className={statusClass(x.status)} data-execution-status={x.status}>{x.status}</span>{x.statusSummary && <span className="muted small"> {x.statusSummary}</span>}</dd>
            <dt>Trigger</dt><dd>{x.trigger?.triggerType}{x.trigger?.triggerDetail && <span className="muted small exec-value"> {x.trigger.triggerDetail}</span>}</dd>
            <dt>Started</dt><dd>{fmtTime(start)}</dd>
            <dt>Ended</dt><dd>{end ? fmtTime(end) : 'Running'}</dd>
            <dt>Duration</dt><dd>{fmtDuration(start, end ?? now)}</dd>
            <dt>Pipeline version</dt><dd>{x.pipelineVersion}</dd>
            {data.summary?.stopTrigger?.reason && <><dt>Stop reason</dt><dd>{data.summary.stopTrigger.reason}</dd></>}
          </dl>
          <h2 id="revisions">Source revisions</h2>
          {(x.artifactRevisions ?? []).length === 0 ? (
            <p className="muted">No source revision yet.</p>
          ) : (
            <div className="scroll-x">
              <table className="list" aria-labelledby="revisions">
                <thead><tr><th scope="col">Source</th><th scope="col">Revision</th><th scope="col">Summary</th></tr></thead>
                <tbody>
                  {(x.artifactRevisions ?? []).map((r) => {
                    const url = safeUrl(r.revisionUrl)
                    return (
                      <tr key={r.name} data-revision={r.revisionId}>
                        <td>{r.name}</td>
                        <td className="mono small">{url ? <a href={url} rel="noreferrer">{r.revisionId}</a> : r.revisionId}</td>
                        <td className="exec-value">{r.revisionSummary}</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
          {(x.variables ?? []).length > 0 && (
            <>
              <h2 id="variables">Pipeline variables</h2>
              <div className="scroll-x">
                <table className="list" aria-labelledby="variables">
                  <thead><tr><th scope="col">Variable</th><th scope="col">Resolved value</th></tr></thead>
                  <tbody>{(x.variables ?? []).map((v) => <tr key={v.name}><td className="mono">{v.name}</td><td className="mono exec-value">{v.resolvedValue}</td></tr>)}</tbody>
                </table>
              </div>
            </>
          )}
          <h2>Actions</h2>
          {data.actions.length === 0 && <p className="muted">No action has run yet.</p>}
          <div className="exec-actions">
            {data.actions.map((a) => <ExecutionAction key={a.actionExecutionId} a={a} downloadBase={`/console/api${base}/artifacts`} />)}
          </div>
        </>
      )}
    </section>
  )
}
