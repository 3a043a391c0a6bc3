import { api, fmtTime, useLive } from './api.ts'
import { isRepositoryEvent, repositoryHash } from './repository-links.ts'
import './repository.css'

type Repository = { repositoryName: string; repositoryDescription?: string; defaultBranch?: string; lastModifiedDate: string; cloneUrlHttp: string }

export function RepositoryList() {
  const { data, error } = useLive(() => api<{ repositories: Repository[] }>('/repositories'), [], isRepositoryEvent())
  return (
    <section>
      <h1>Repositories</h1>
      {error && <p className="repo-alert" role="alert">{error}</p>}
      {data && data.repositories.length === 0 && (
        <p className="muted">No repositories yet. Create one with <code>aws codecommit create-repository --repository-name my-app</code>.</p>
      )}
      {data && data.repositories.length > 0 && (
        <div className="scroll-x">
          <table className="list">
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Default branch</th><th scope="col">Last modified</th><th scope="col">Clone URL (HTTP)</th></tr>
            </thead>
            <tbody>
              {data.repositories.map((r) => (
                <tr key={r.repositoryName} data-repository={r.repositoryName}>
                  <td><a href={repositoryHash(r.repositoryName)}>{r.repositoryName}</a></td>
                  <td>{r.repositoryDescription ?? <span className="muted">—</span>}</td>
                  <td className="mono">{r.defaultBranch ?? <span className="muted">empty</span>}</td>
                  <td>{fmtTime(r.lastModifiedDate)}</td>
                  <td className="mono small repo-url">{r.cloneUrlHttp}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
