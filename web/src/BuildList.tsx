import { useState } from 'react'
import { api, fmtTime, statusClass, useLive } from './api.ts'
import { type BuildSummary, buildHref, isBuildEvent } from './build-types.ts'
import './builds.css'

type ProjectRow = { name: string; description?: string; sourceType?: string; image?: string; latestBuild?: BuildSummary }
type ProjectsPage = { projects: ProjectRow[]; nextToken?: string }

/** Loads `pages` pages of projects, following the server's `nextToken`s. */
async function loadProjects(pages: number): Promise<ProjectsPage> {
  const projects: ProjectRow[] = []
  let nextToken: string | undefined
  for (let i = 0; i < pages && (i === 0 || nextToken); i++) {
    const page = await api<ProjectsPage>(`/projects${nextToken ? `?nextToken=${encodeURIComponent(nextToken)}` : ''}`)
    projects.push(...page.projects)
    nextToken = page.nextToken
  }
  return { projects, nextToken }
}

/** `#/builds`: the build projects, each with its newest build; live on build state changes. */
export function BuildList() {
  const [pages, setPages] = useState(1)
  const { data, error } = useLive(() => loadProjects(pages), [pages], isBuildEvent)
  return (
    <section>
      <h1>Build projects</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {data && data.projects.length === 0 && <p className="muted">No build projects yet. Create one with <code>aws codebuild create-project</code>.</p>}
      {data && data.projects.length > 0 && (
        <div className="scroll-x">
          <table className="list build-table">
            <caption className="sr-only">Build projects</caption>
            <thead><tr><th scope="col">Project</th><th scope="col">Source</th><th scope="col">Latest build</th><th scope="col">Started</th></tr></thead>
            <tbody>
              {data.projects.map((p) => (
                <tr key={p.name} data-project={p.name}>
                  <td>
                    <a href={`#/projects/${encodeURIComponent(p.name)}`}>{p.name}</a>
                    {p.description && <div className="muted small">{p.description}</div>}
                  </td>
                  <td className="small">{p.sourceType}</td>
                  <td>
                    {p.latestBuild
                      ? <a href={buildHref(p.latestBuild.id)} className={statusClass(p.latestBuild.buildStatus)} data-latest-status={p.latestBuild.buildStatus}>#{p.latestBuild.buildNumber} {p.latestBuild.buildStatus}</a>
                      : <span className="muted small">never built</span>}
                  </td>
                  <td className="small">{fmtTime(p.latestBuild?.startTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.nextToken && <p className="pager"><button type="button" onClick={() => setPages((n) => n + 1)}>Load more projects</button></p>}
    </section>
  )
}
