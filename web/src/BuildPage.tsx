import { useEffect, useState } from 'react'
import { api, fmtDuration, fmtTime, statusClass, useLive, useSubmit } from './api.ts'
import { BuildLog } from './BuildLog.tsx'
import { BuildTimeline, type Phase } from './BuildTimeline.tsx'
import { type ArtifactView, Artifacts, ExportedVariables, type TestReport, TestReports } from './BuildOutputs.tsx'
import './builds.css'

type Build = {
  id: string; buildNumber?: number; buildStatus: string; projectName: string; startTime?: string; endTime?: string; initiator?: string
  sourceVersion?: string; resolvedSourceVersion?: string; phases?: Phase[]; exportedEnvironmentVariables?: { name?: string; value?: string }[]
}
type Details = { build: Build; reports: TestReport[]; artifacts: ArtifactView[]; logUrl: string; waiting?: string }

/** `?line=N` of the current hash (`#/builds/<id>?line=N`), kept up to date. */
function useSelectedLine(): number | undefined {
  const read = () => {
    const n = Number(new URLSearchParams(location.hash.split('?')[1] ?? '').get('line'))
    return Number.isSafeInteger(n) && n > 0 ? n : undefined
  }
  const [line, setLine] = useState(read)
  useEffect(() => {
    const on = () => setLine(read())
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return line
}

function BuildActions({ build }: { build: Build }) {
  const { busy, error, run } = useSubmit()
  const enc = encodeURIComponent(build.id)
  const post = async (what: 'stop' | 'retry') => {
    const r = await run(() => api<{ build: { id: string } }>(`/builds/${enc}/${what}`, { method: 'POST', body: {} }))
    if (r && what === 'retry') location.hash = `#/builds/${encodeURIComponent(r.build.id)}`
  }
  return (
    <div className="row">
      {build.buildStatus === 'IN_PROGRESS'
        ? <button type="button" className="danger" disabled={busy} onClick={() => post('stop')}>Stop build</button>
        : <button type="button" disabled={busy} onClick={() => post('retry')}>Retry build</button>}
      {error && <span className="error small" role="alert">{error}</span>}
    </div>
  )
}

export function BuildPage({ id }: { id: string }) {
  const enc = encodeURIComponent(id)
  const { data, error } = useLive(
    () => api<Details>(`/builds/${enc}/details`),
    [id],
    (e) => (e.type === 'codebuild.BuildStateChange' || e.type === 'codebuild.BuildPhaseChange') && e.detail['build-id'] === id,
  )
  const selected = useSelectedLine()
  const b = data?.build
  const running = b?.buildStatus === 'IN_PROGRESS'
  return (
    <section className="build-page">
      <p className="crumbs"><a href="#/builds">Builds</a> / {b ? <a href={`#/projects/${encodeURIComponent(b.projectName)}`}>{b.projectName}</a> : null} /</p>
      <div className="row title-row">
        <h1 className="mono build-id">{id}</h1>
        {b && <BuildActions build={b} />}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {b && (
        <>
          <dl className="facts build-facts">
            <dt>Status</dt><dd><span className={statusClass(b.buildStatus)} data-build-status={b.buildStatus}>{b.buildStatus}</span></dd>
            <dt>Project</dt><dd>{b.projectName} <span className="muted">#{b.buildNumber}</span></dd>
            <dt>Source version</dt><dd className="mono small build-message">{b.resolvedSourceVersion ?? b.sourceVersion ?? '—'}</dd>
            <dt>Initiator</dt><dd className="build-message">{b.initiator}</dd>
            <dt>Started</dt><dd>{fmtTime(b.startTime)}</dd>
            <dt>Duration</dt><dd>{b.startTime && b.endTime ? fmtDuration(Date.parse(b.endTime) - Date.parse(b.startTime)) : 'running'}</dd>
          </dl>
          {data?.waiting && <p className="notice build-waiting" role="status">{data.waiting}</p>}
          <h2>Phases</h2>
          <BuildTimeline phases={b.phases ?? []} endTime={b.endTime} running={running} />
        </>
      )}
      <h2>Log</h2>
      <BuildLog url={data?.logUrl} href={`#/builds/${enc}`} selected={selected} />
      {data && b && (
        <div className="build-outputs">
          <section aria-labelledby="reports-h"><h2 id="reports-h">Test reports</h2><TestReports reports={data.reports} /></section>
          <section aria-labelledby="vars-h"><h2 id="vars-h">Exported variables</h2><ExportedVariables variables={b.exportedEnvironmentVariables ?? []} /></section>
          <section aria-labelledby="artifacts-h"><h2 id="artifacts-h">Artifacts</h2><Artifacts buildId={b.id} artifacts={data.artifacts} /></section>
        </div>
      )}
    </section>
  )
}
