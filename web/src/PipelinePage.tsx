import { useState, type FormEvent } from 'react'
import { api, fmtTime, statusClass, useLive, useSubmit } from './api.ts'
import { Pager } from './Pager.tsx'

type ActionState = {
  actionName: string
  currentRevision?: { revisionId: string }
  latestExecution?: { status: string; summary?: string; lastStatusChange?: string; token?: string; externalExecutionId?: string; errorDetails?: { message?: string } }
}
type RetryMetadata = { autoStageRetryAttempt?: number; manualStageRetryAttempt?: number; latestRetryTrigger?: string }
type StageState = { stageName: string; actionStates: ActionState[]; latestExecution?: { status: string; pipelineExecutionId: string }; inboundExecutions?: { pipelineExecutionId: string }[]; inboundTransitionState?: { enabled: boolean }; retryStageMetadata?: RetryMetadata }
type LayoutAction = { name: string; category: string; provider: string }
type Layout = { name: string; groups: { runOrder: number; actions: LayoutAction[] }[] }[]
type Detail = { state: { stageStates: StageState[] }; layout: Layout }
type ExecutionPage = { pipelineExecutionSummaries: Execution[]; total: number; offset: number; pageSize: number }
type Execution = { pipelineExecutionId: string; status: string; startTime: string; trigger?: { triggerType: string }; sourceRevisions?: { revisionId: string; revisionSummary?: string }[] }

/** "Retried automatically once, by hand twice" for a stage's retryStageMetadata. */
function retriesText(m: RetryMetadata): string {
  const times = (n: number) => (n === 1 ? 'once' : `${n} times`)
  const parts = [m.autoStageRetryAttempt ? `automatically ${times(m.autoStageRetryAttempt)}` : '', m.manualStageRetryAttempt ? `by hand ${times(m.manualStageRetryAttempt)}` : ''].filter(Boolean)
  return `Retried ${parts.join(', ')}`
}

function Approval({ pipeline, stage, action, token }: { pipeline: string; stage: string; action: string; token: string }) {
  const [comment, setComment] = useState('')
  const path = `/pipelines/${encodeURIComponent(pipeline)}/approvals`
  const body = (status: 'Approved' | 'Rejected') => ({ stageName: stage, actionName: action, token, status, summary: comment })
  const id = `comment-${stage}-${action}`
  return (
    <div className="approval">
      <label htmlFor={id}>Comment</label>
      <textarea id={id} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      <div className="row">
        <PostButton label="Approve" path={path} body={body('Approved')} />
        <PostButton label="Reject" className="danger" path={path} body={body('Rejected')} />
      </div>
    </div>
  )
}

function ActionCard({ pipeline, stage, action, state }: { pipeline: string; stage: string; action: LayoutAction; state?: ActionState }) {
  const run = state?.latestExecution
  const status = run?.status ?? 'NotRun'
  return (
    <article className="action" data-action={action.name} data-status={status} aria-label={`Action ${action.name}: ${status}`}>
      <div className="action-head">
        <strong>{action.name}</strong>
        <span className={statusClass(status)}>{run ? status : 'Not run'}</span>
      </div>
      <div className="muted small">{action.provider}{run?.lastStatusChange ? ` · ${fmtTime(run.lastStatusChange)}` : ''}</div>
      {state?.currentRevision && <div className="small mono" title={state.currentRevision.revisionId}>{state.currentRevision.revisionId.slice(0, 10)}</div>}
      {run?.summary && <div className="small summary">{run.summary}</div>}
      {run?.errorDetails?.message && <div className="small error">{run.errorDetails.message}</div>}
      {(action.provider === 'CodeBuild' || action.provider === 'Commands') && run?.externalExecutionId && (
        <a className="small" href={`#/builds/${encodeURIComponent(run.externalExecutionId)}`}>View build log</a>
      )}
      {action.provider === 'CodeDeploy' && run?.externalExecutionId && (
        <a className="small" href={`#/deployments/${encodeURIComponent(run.externalExecutionId)}`}>View deployment</a>
      )}
      {action.provider === 'Manual' && status === 'InProgress' && run?.token && <Approval pipeline={pipeline} stage={stage} action={action.name} token={run.token} />}
    </article>
  )
}

/** A button that POSTs to the console API and shows the error, if any, next to itself. */
function PostButton({ label, text, path, body, className, onDone }: { label: string; text?: string; path: string; body: object; className?: string; onDone?: () => void }) {
  const { busy, error, run } = useSubmit()
  const click = async () => {
    if ((await run(() => api(path, { method: 'POST', body }))) !== undefined) onDone?.()
  }
  return (
    <>
      <button type="button" className={className} disabled={busy} onClick={click} aria-label={text ? label : undefined} title={text ? label : undefined}>{text ?? label}</button>
      {error && <span className="error small" role="alert">{error}</span>}
    </>
  )
}

function RunControls({ name, onStarted }: { name: string; onStarted: (id: string) => void }) {
  const [type, setType] = useState('BRANCH')
  const [value, setValue] = useState('')
  const { error, run } = useSubmit()
  const start = async (body: object) => {
    const r = await run(() => api<{ pipelineExecutionId: string }>(`/pipelines/${encodeURIComponent(name)}/executions`, { method: 'POST', body }))
    if (r) onStarted(r.pipelineExecutionId)
  }
  const runFrom = (e: FormEvent) => {
    e.preventDefault()
    if (value.trim()) void start({ revisionType: type, revisionValue: value.trim() })
  }
  return (
    <div className="controls">
      <button type="button" onClick={() => start({})}>Release change</button>
      <form className="row" onSubmit={runFrom} aria-label="Run from a branch or commit">
        <label htmlFor="rev-type">Run from</label>
        <select id="rev-type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="BRANCH">Branch</option>
          <option value="COMMIT_ID">Commit</option>
        </select>
        <label htmlFor="rev-value" className="sr-only">{type === 'BRANCH' ? 'Branch name' : 'Commit id'}</label>
        <input id="rev-value" placeholder={type === 'BRANCH' ? 'branch name' : 'commit id'} value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit">Run</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  )
}

export function PipelinePage({ name }: { name: string }) {
  const enc = encodeURIComponent(name)
  const detail = useLive(() => api<Detail>(`/pipelines/${enc}`), [name])
  const [status, setStatus] = useState('')
  const [offset, setOffset] = useState(0)
  const historyQuery = `?status=${status}&offset=${offset}`
  const executions = useLive(() => api<ExecutionPage>(`/pipelines/${enc}/executions${historyQuery}`), [name, historyQuery])
  const [started, setStarted] = useState<string | undefined>()
  const d = detail.data
  return (
    <section>
      <p className="crumbs"><a href="#/">Pipelines</a> /</p>
      <div className="row title-row">
        <h1>{name}</h1>
        <a href={`#/pipelines/${enc}/edit`}>Edit pipeline</a>
      </div>
      <RunControls name={name} onStarted={setStarted} />
      {started && <p className="muted small" role="status">Started execution {started}</p>}
      {detail.error && <p className="error" role="alert">{detail.error}</p>}
      {d && (
        <div className="flow" aria-label="Stages">
          {d.layout.map((stage, i) => {
            const st = d.state.stageStates.find((s) => s.stageName === stage.name)
            return (
              <div className="stage-wrap" key={stage.name}>
                {i > 0 && (
                  <div className={`transition${st?.inboundTransitionState?.enabled === false ? ' disabled' : ''}`} data-transition={stage.name}>
                    <span aria-hidden="true">→</span>
                    {st?.inboundExecutions?.length ? <span className="small">{st.inboundExecutions.length} waiting</span> : null}
                    <PostButton
                      className="toggle"
                      text={st?.inboundTransitionState?.enabled === false ? 'Enable' : 'Disable'}
                      label={st?.inboundTransitionState?.enabled === false ? `Enable transition into ${stage.name}` : `Disable transition into ${stage.name}`}
                      path={`/pipelines/${enc}/transitions`}
                      body={{ stageName: stage.name, enabled: st?.inboundTransitionState?.enabled === false }}
                      onDone={() => void detail.reload()}
                    />
                  </div>
                )}
                <section className="stage" data-stage={stage.name} aria-label={`Stage ${stage.name}`}>
                  <header className="stage-head">
                    <h2>{stage.name}</h2>
                    <span className={statusClass(st?.latestExecution?.status)}>{st?.latestExecution?.status ?? 'Not run'}</span>
                  </header>
                  {st?.retryStageMetadata && <p className="muted small" data-retries>{retriesText(st.retryStageMetadata)}</p>}
                  {st?.latestExecution?.status === 'Failed' && (
                    <div className="row">
                      <PostButton label="Retry failed actions" path={`/pipelines/${enc}/retries`} body={{ stageName: stage.name, pipelineExecutionId: st.latestExecution.pipelineExecutionId }} />
                    </div>
                  )}
                  {stage.groups.map((g) => (
                    <div className="group" key={g.runOrder}>
                      {g.actions.map((a) => (
                        <ActionCard key={a.name} pipeline={name} stage={stage.name} action={a} state={st?.actionStates.find((s) => s.actionName === a.name)} />
                      ))}
                    </div>
                  ))}
                </section>
              </div>
            )
          })}
        </div>
      )}
      <h2 id="history">Execution history</h2>
      <div className="row">
        <label htmlFor="history-status">Status</label>
        <select id="history-status" value={status} onChange={(e) => (setStatus(e.target.value), setOffset(0))}>
          <option value="">All</option>
          {['InProgress', 'Succeeded', 'Failed', 'Stopped', 'Stopping', 'Superseded', 'Cancelled'].map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        {executions.data && <span className="muted small">{executions.data.total.toLocaleString('en')} executions</span>}
      </div>
      {executions.error && <p className="error" role="alert">{executions.error}</p>}
      <div className="scroll-x">
        <table className="list" aria-labelledby="history">
          <thead>
            <tr><th scope="col">Execution</th><th scope="col">Status</th><th scope="col">Trigger</th><th scope="col">Source revision</th><th scope="col">Started</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {(executions.data?.pipelineExecutionSummaries ?? []).map((e) => (
              <tr key={e.pipelineExecutionId} data-execution={e.pipelineExecutionId} data-status={e.status}>
                <td className="mono small"><a href={`#/pipelines/${enc}/executions/${e.pipelineExecutionId}`} title={e.pipelineExecutionId}>{e.pipelineExecutionId.slice(0, 8)}</a></td>
                <td><span className={statusClass(e.status)}>{e.status}</span></td>
                <td>{e.trigger?.triggerType}</td>
                <td className="small">{e.sourceRevisions?.map((r) => `${r.revisionId.slice(0, 8)} ${r.revisionSummary ?? ''}`).join(', ')}</td>
                <td>{fmtTime(e.startTime)}</td>
                <td>
                  {e.status === 'InProgress' && (
                    <div className="row">
                      <PostButton label="Stop" path={`/pipelines/${enc}/stops`} body={{ pipelineExecutionId: e.pipelineExecutionId, abandon: false }} />
                      <PostButton label="Stop and abandon" className="danger" path={`/pipelines/${enc}/stops`} body={{ pipelineExecutionId: e.pipelineExecutionId, abandon: true }} />
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {executions.data && <Pager label="Execution history" offset={executions.data.offset} pageSize={executions.data.pageSize} total={executions.data.total} onOffset={setOffset} />}
    </section>
  )
}
