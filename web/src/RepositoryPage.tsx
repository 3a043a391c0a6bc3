import { api, fmtTime, useLive } from './api.ts'
import { CloneUrl } from './RepositoryCloneUrl.tsx'
import { RepositoryCommits } from './RepositoryCommits.tsx'
import { RepositoryFiles } from './RepositoryFiles.tsx'
import { isRepositoryEvent, repositoryHash } from './repository-links.ts'
import './repository.css'

type Repository = { repositoryName: string; repositoryDescription?: string; defaultBranch?: string; lastModifiedDate: string; cloneUrlHttp: string }
type Detail = { repository: Repository; branches: string[] }

/** What to run to push the first commit into an empty repository. */
function EmptyHint({ repository }: { repository: Repository }) {
  const commands = [
    "git config --global credential.helper '!aws codecommit credential-helper $@'",
    'git config --global credential.UseHttpPath true',
    `git clone ${repository.cloneUrlHttp}`,
    `cd ${repository.repositoryName}`,
    `echo "# ${repository.repositoryName}" > README.md`,
    'git add README.md',
    'git commit -m "First commit"',
    'git push origin HEAD:main',
  ]
  return (
    <section aria-labelledby="empty-heading" className="repo-empty">
      <h2 id="empty-heading">This repository is empty</h2>
      <p>Push your first commit with git (it signs in with the AWS CLI's credential helper, as on AWS):</p>
      <pre className="repo-code" tabIndex={0} aria-label="Commands to push the first commit">{commands.join('\n')}</pre>
    </section>
  )
}

export function RepositoryPage({ name, query }: { name: string; query: URLSearchParams }) {
  const { data, error } = useLive(() => api<Detail>(`/repositories/${encodeURIComponent(name)}`), [name], isRepositoryEvent(name))
  const repository = data?.repository
  const gitRef = query.get('ref') || repository?.defaultBranch || ''
  const path = query.get('path') ?? ''
  const file = query.get('file') ?? ''
  const branches = data ? (data.branches.includes(gitRef) || !gitRef ? data.branches : [gitRef, ...data.branches]) : []
  return (
    <section className="repo-page">
      <p className="crumbs"><a href="#/repositories">Repositories</a> /</p>
      <h1>{name}</h1>
      {error && <p className="repo-alert" role="alert">{error}</p>}
      {repository && (
        <>
          {repository.repositoryDescription && <p>{repository.repositoryDescription}</p>}
          <CloneUrl url={repository.cloneUrlHttp} />
          <p className="muted small">Last modified {fmtTime(repository.lastModifiedDate)}</p>
          {data.branches.length === 0 ? (
            <EmptyHint repository={repository} />
          ) : (
            <>
              <div className="row repo-branch">
                <label htmlFor="branch">Branch</label>
                <select id="branch" value={gitRef} onChange={(e) => (location.hash = repositoryHash(name, { ref: e.target.value }))}>
                  {branches.map((b) => (
                    <option key={b} value={b}>{b}{b === repository.defaultBranch ? ' (default)' : ''}</option>
                  ))}
                </select>
                <span className="muted small">{data.branches.length === 1 ? '1 branch' : `${data.branches.length} branches`}</span>
              </div>
              <div className="repo-columns">
                <RepositoryFiles name={name} gitRef={gitRef} path={path} file={file} />
                <RepositoryCommits key={gitRef} name={name} gitRef={gitRef} />
              </div>
            </>
          )}
        </>
      )}
    </section>
  )
}
