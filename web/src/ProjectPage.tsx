import { type FormEvent, useState } from 'react'
import { api, fmtDuration, fmtTime, statusClass, useLive, useSubmit } from './api.ts'
import { type BuildSummary, buildHref, isBuildEvent } from './build-types.ts'
import './builds.css'

type Project = { name: string; description?: string; sourceType?: string; sourceLocation?: string; image?: string }
type BuildsPage = { project: Project; builds: BuildSummary[]; nextToken?: string }

/** The project and `pages` pages of its builds, newest first, following the server's `nextToken`s. */
async function loadBuilds(name: string, pages: number): Promise<BuildsPage> {
  const base = `/projects/${encodeURIComponent(name)}/builds`
  const first = await api<BuildsPage>(base)
  const builds = [...first.builds]
  let nextToken = first.nextToken
  for (let i = 1; i < pages && nextToken; i++) {
    const page = await api<BuildsPage>(`${base}?nextToken=${encodeURIComponent(nextToken)}`)
    builds.push(...page.builds)
    nextToken = page.nextToken
  }
  return { project: first.project, builds, nextToken }
}

function StartBuild({ name }: { name: string }) {
  const [version, setVersion] = useState('')
  const { busy, error, run } = useSubmit()
  const start = async (e: FormEvent) => {
    e.preventDefault()
    const r = await run(() => api<{ build: BuildSummary }>(`/projects/${encodeURIComponent(name)}/builds`, { method: 'POST', body: { sourceVersion: version } }))
    if (r) location.hash = buildHref(r.build.id)
  }
  return (
    <form className="controls" onSubmit={start} aria-label="Start a build">
      <label htmlFor="source-version">Source version <span className="muted small">(optional)</span></label>
      <input id="source-version" placeholder="branch, tag or commit" value={version} onChange={(e) => setVersion(e.target.value)} />
      <button type="submit" disabled={busy}>Start build</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  )
}

const duration = (b: BuildSummary) => (b.startTime && b.endTime ? fmtDuration(Date.parse(b.endTime) - Date.parse(b.startTime)) : b.currentPhase ? `running (${b.currentPhase})` : '')

/** `#/projects/<name>`: a project's builds, newest first, paged by the server; live on its build state changes. */
export function ProjectPage({ name }: { name: string }) {
  const [pages, setPages] = useState(1)
  const { data, error } = useLive(() => loadBuilds(name, pages), [name, pages], (e) => isBuildEvent(e) && e.detail['project-name'] === name)
  const p = data?.project
  return (
    <section>
      <p className="crumbs"><a href="#/builds">Builds</a> /</p>
      <h1>{name}</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {p && (
        <dl className="facts">
          {p.description && <><dt>Description</dt><dd>{p.description}</dd></>}
          <dt>Source</dt><dd className="build-message">{p.sourceType}{p.sourceLocation ? <> · <span className="mono small">{p.sourceLocation}</span></> : null}</dd>
          <dt>Image</dt><dd className="mono small">{p.image}</dd>
        </dl>
      )}
      {p && <StartBuild name={name} />}
      <h2>Build history</h2>
      {data && data.builds.length === 0 && <p className="muted">No builds yet.</p>}
      {data && data.builds.length > 0 && (
        <div className="scroll-x">
          <table className="list build-table">
            <caption className="sr-only">Builds of {name}, newest first</caption>
            <thead><tr><th scope="col">Build</th><th scope="col">Status</th><th scope="col">Source version</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Initiator</th></tr></thead>
            <tbody>
              {data.builds.map((b) => (
                <tr key={b.id} data-build={b.id}>
                  <td><a href={buildHref(b.id)}>#{b.buildNumber}</a></td>
                  <td><span className={statusClass(b.buildStatus)}>{b.buildStatus}</span></td>
                  <td className="mono small build-message">{b.resolvedSourceVersion ?? b.sourceVersion ?? ''}</td>
                  <td className="small">{fmtTime(b.startTime)}</td>
                  <td className="small">{duration(b)}</td>
                  <td className="small build-message">{b.initiator}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.nextToken && <p className="pager"><button type="button" onClick={() => setPages((n) => n + 1)}>Load older builds</button></p>}
    </section>
  )
}
