import { useEffect, useState } from 'react'
import { api, fmtTime, statusClass, useLive } from './api.ts'
import { isDeploymentEvent } from './DeploymentList.tsx'

type Diagnostics = { errorCode?: string; scriptName?: string; message?: string; logTail?: string }
type LifecycleEvent = { lifecycleEventName: string; status: string; startTime?: string; endTime?: string; diagnostics?: Diagnostics }
type Target = { targetId: string; status: string; lastUpdatedAt?: string; lifecycleEvents: LifecycleEvent[] }
type Info = {
  deploymentId: string; applicationName: string; deploymentGroupName: string; deploymentConfigName?: string; status: string; creator?: string; description?: string
  createTime?: string; startTime?: string; completeTime?: string; errorInformation?: { code?: string; message?: string }
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string }
}
type Detail = { deploymentInfo: Info; targets: Target[] }

const ACTIVE = ['Created', 'Queued', 'InProgress']
const link = (id: string) => <a className="mono" href={`#/deployments/${encodeURIComponent(id)}`}>{id}</a>

export function DeploymentPage({ id }: { id: string }) {
  const { data, error, reload } = useLive(() => api<Detail>(`/deployments/${encodeURIComponent(id)}`), [id], isDeploymentEvent)
  const [picked, setPicked] = useState<{ host: string; event: string } | undefined>()
  const info = data?.deploymentInfo
  const active = !!info && ACTIVE.includes(info.status)
  // Hosts' lifecycle events change without a deployment state change: refresh while it runs.
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => void reload(), 1500)
    return () => clearInterval(timer)
  }, [active, id])
  useEffect(() => setPicked(undefined), [id])

  const columns: string[] = []
  for (const t of data?.targets ?? []) for (const e of t.lifecycleEvents) if (!columns.includes(e.lifecycleEventName)) columns.push(e.lifecycleEventName)
  const cell = picked && data?.targets.find((t) => t.targetId === picked.host)?.lifecycleEvents.find((e) => e.lifecycleEventName === picked.event)
  return (
    <section>
      <p className="crumbs"><a href="#/deployments">Deployments</a> /</p>
      <h1 className="mono">{id}</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {info && (
        <dl className="facts">
          <dt>Status</dt><dd><span className={statusClass(info.status)} data-deployment-status={info.status}>{info.status}</span></dd>
          <dt>Application</dt><dd>{info.applicationName} / {info.deploymentGroupName}</dd>
          <dt>Config</dt><dd>{info.deploymentConfigName}</dd>
          <dt>Created by</dt><dd>{info.creator}</dd>
          <dt>Started</dt><dd>{fmtTime(info.startTime ?? info.createTime)}</dd>
          <dt>Completed</dt><dd>{fmtTime(info.completeTime)}</dd>
          {info.errorInformation?.message && (<><dt>Error</dt><dd className="error">{info.errorInformation.code}: {info.errorInformation.message}</dd></>)}
          {info.rollbackInfo?.rollbackDeploymentId && (<><dt>Rolled back by</dt><dd data-rollback="by">{link(info.rollbackInfo.rollbackDeploymentId)}</dd></>)}
          {info.rollbackInfo?.rollbackTriggeringDeploymentId && (<><dt>Rollback of</dt><dd data-rollback="of">{link(info.rollbackInfo.rollbackTriggeringDeploymentId)}</dd></>)}
        </dl>
      )}
      {data && data.targets.length === 0 && <p className="muted">This deployment has no hosts (no registered instance matches the group's tags).</p>}
      {data && data.targets.length > 0 && (
        <>
          <h2>Hosts</h2>
          <div className="grid-wrap">
            <table className="list hosts" aria-label="Hosts and lifecycle events">
              <thead>
                <tr><th scope="col">Host</th><th scope="col">Status</th>{columns.map((c) => <th scope="col" key={c}>{c}</th>)}</tr>
              </thead>
              <tbody>
                {data.targets.map((t) => (
                  <tr key={t.targetId} data-host={t.targetId} data-status={t.status}>
                    <th scope="row" className="mono">{t.targetId}</th>
                    <td><span className={statusClass(t.status)}>{t.status}</span></td>
                    {columns.map((c) => {
                      const e = t.lifecycleEvents.find((x) => x.lifecycleEventName === c)
                      const status = e?.status ?? 'Pending'
                      const on = picked?.host === t.targetId && picked.event === c
                      return (
                        <td key={c}>
                          <button type="button" className={`cell ${statusClass(status)}${on ? ' picked' : ''}`} data-event={c} data-status={status} aria-pressed={on}
                            aria-label={`${t.targetId} ${c}: ${status}`} onClick={() => setPicked(on ? undefined : { host: t.targetId, event: c })}>
                            {status}
                          </button>
                        </td>
                      )
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {picked && (
        <section className="diagnostics" aria-label="Diagnostics" data-host={picked.host} data-event={picked.event}>
          <h2>{picked.host} · {picked.event}</h2>
          {!cell && <p className="muted">No such event.</p>}
          {cell && (
            <>
              <dl className="facts">
                <dt>Status</dt><dd><span className={statusClass(cell.status)}>{cell.status}</span></dd>
                <dt>Started</dt><dd>{fmtTime(cell.startTime)}</dd>
                <dt>Ended</dt><dd>{fmtTime(cell.endTime)}</dd>
                {cell.diagnostics?.errorCode && (<><dt>Error code</dt><dd>{cell.diagnostics.errorCode}</dd></>)}
                {cell.diagnostics?.scriptName && (<><dt>Script</dt><dd className="mono">{cell.diagnostics.scriptName}</dd></>)}
                {cell.diagnostics?.message && (<><dt>Message</dt><dd>{cell.diagnostics.message}</dd></>)}
              </dl>
              <h3 className="small muted">Log tail</h3>
              <pre className="log short" aria-label="Log tail" tabIndex={0}>{cell.diagnostics?.logTail || 'No output.'}</pre>
            </>
          )}
        </section>
      )}
    </section>
  )
}
