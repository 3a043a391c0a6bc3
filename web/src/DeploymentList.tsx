import { api, fmtTime, statusClass, useLive } from './api.ts'

type Row = { deploymentId: string; applicationName: string; deploymentGroupName: string; status: string; createTime?: string; completeTime?: string; creator?: string; rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string } }

export const isDeploymentEvent = (e: { type: string }) => e.type.startsWith('codedeploy.')

export function DeploymentList() {
  const { data, error } = useLive(() => api<{ deployments: Row[]; total: number }>('/deployments'), [], isDeploymentEvent)
  return (
    <section>
      <h1>Deployments</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {data && data.deployments.length === 0 && <p className="muted">No deployments yet. Start one with <code>aws deploy create-deployment</code> or a pipeline's Deploy stage.</p>}
      {data && data.deployments.length > 0 && (
        <table className="list">
          <thead>
            <tr><th scope="col">Deployment</th><th scope="col">Application</th><th scope="col">Group</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Completed</th></tr>
          </thead>
          <tbody>
            {data.deployments.map((d) => (
              <tr key={d.deploymentId} data-deployment={d.deploymentId}>
                <td className="mono"><a href={`#/deployments/${encodeURIComponent(d.deploymentId)}`}>{d.deploymentId}</a>{d.creator === 'codeDeployRollback' && <span className="muted small"> (rollback)</span>}</td>
                <td>{d.applicationName}</td>
                <td>{d.deploymentGroupName}</td>
                <td><span className={statusClass(d.status)}>{d.status}</span></td>
                <td>{fmtTime(d.createTime)}</td>
                <td>{fmtTime(d.completeTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.total > data.deployments.length && <p className="muted small">Showing the {data.deployments.length} most recent of {data.total}.</p>}
    </section>
  )
}
