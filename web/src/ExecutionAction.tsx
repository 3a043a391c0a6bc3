import { fmtTime, statusClass } from './api.ts'
import { fmtDuration, safeUrl, type ActionDetail, type Artifact } from './execution-types.ts'

/** Where an action's external execution id leads in the console: its build, or its deployment. */
function externalLink(provider: string, id: string): string | undefined {
  if (provider === 'CodeBuild' || provider === 'Commands') return `#/builds/${encodeURIComponent(id)}`
  if (provider === 'CodeDeploy') return `#/deployments/${encodeURIComponent(id)}`
  return undefined
}

function Artifacts({ title, artifacts, downloadBase }: { title: string; artifacts: Artifact[]; downloadBase: string }) {
  if (artifacts.length === 0) return null
  return (
    <div className="exec-block">
      <h4>{title}</h4>
      <div className="scroll-x">
        <table className="list exec-table" aria-label={title}>
          <thead><tr><th scope="col">Artifact</th><th scope="col">S3 location</th><th scope="col"><span className="sr-only">Download</span></th></tr></thead>
          <tbody>
            {artifacts.map((a) => {
              const uri = a.s3location ? `s3://${a.s3location.bucket}/${a.s3location.key}` : ''
              return (
                <tr key={a.name} data-artifact={a.name}>
                  <td>{a.name}</td>
                  <td><code className="exec-uri">{uri}</code></td>
                  <td>{uri && <a href={`${downloadBase}/${encodeURIComponent(a.name)}`} download={`${a.name}.zip`} aria-label={`Download ${a.name}.zip`}>Download</a>}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </div>
  )
}

function Pairs({ title, values, attr }: { title: string; values: Record<string, string> | undefined; attr: string }) {
  const entries = Object.entries(values ?? {})
  if (entries.length === 0) return null
  return (
    <div className="exec-block">
      <h4>{title}</h4>
      <div className="scroll-x">
        <table className="list exec-table" aria-label={title}>
          <thead><tr><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
          <tbody>
            {entries.map(([k, v]) => (
              <tr key={k} {...{ [attr]: k }}><td className="mono">{k}</td><td className="mono exec-value">{v}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

/** One action run of the execution: status, times, artifacts, variables, configuration, external run. */
export function ExecutionAction({ a, downloadBase }: { a: ActionDetail; downloadBase: string }) {
  const provider = a.input?.actionTypeId?.provider ?? ''
  const result = a.output?.executionResult
  const ended = a.status !== 'InProgress' ? a.lastUpdateTime : undefined
  const link = result?.externalExecutionId ? externalLink(provider, result.externalExecutionId) : undefined
  const outside = safeUrl(result?.externalExecutionUrl)
  return (
    <article className="exec-action" data-action={a.actionName} data-status={a.status} aria-labelledby={`action-${a.actionExecutionId}`}>
      <header className="exec-action-head">
        <h3 id={`action-${a.actionExecutionId}`}><span className="muted">{a.stageName} /</span> {a.actionName}</h3>
        <span className={statusClass(a.status)}>{a.status}</span>
      </header>
      <dl className="facts small">
        <dt>Provider</dt><dd>{a.input?.actionTypeId ? `${a.input.actionTypeId.category} · ${a.input.actionTypeId.owner} · ${provider} v${a.input.actionTypeId.version}` : ''}</dd>
        {a.input?.namespace && <><dt>Namespace</dt><dd className="mono">{a.input.namespace}</dd></>}
        <dt>Started</dt><dd>{fmtTime(a.startTime)}</dd>
        <dt>Ended</dt><dd>{ended ? `${fmtTime(ended)} (${fmtDuration(a.startTime, ended)})` : 'Running'}</dd>
        {result?.externalExecutionId && (
          <><dt>External run</dt><dd className="mono">{link ? <a href={link}>{result.externalExecutionId}</a> : outside ? <a href={outside} rel="noreferrer">{result.externalExecutionId}</a> : result.externalExecutionId}</dd></>
        )}
        {result?.externalExecutionSummary && <><dt>Summary</dt><dd className="exec-value">{result.externalExecutionSummary}</dd></>}
      </dl>
      {result?.errorDetails?.message && <p className="exec-error" role="note"><strong>{result.errorDetails.code ?? 'Error'}</strong>: {result.errorDetails.message}</p>}
      <Artifacts title="Input artifacts" artifacts={a.input?.inputArtifacts ?? []} downloadBase={downloadBase} />
      <Artifacts title="Output artifacts" artifacts={a.output?.outputArtifacts ?? []} downloadBase={downloadBase} />
      <Pairs title="Output variables" values={a.output?.outputVariables} attr="data-variable" />
      <Pairs title="Resolved configuration" values={a.input?.resolvedConfiguration} attr="data-config" />
    </article>
  )
}
