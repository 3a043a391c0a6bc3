import { useState } from 'react'
import { api, fmtTime, useLive } from './api.ts'
import { isRepositoryEvent } from './repository-links.ts'

type Commit = { commitId: string; summary: string; authorName: string; authorEmail: string; date?: string }
type CommitPage = { commitId: string; offset: number; commits: Commit[]; nextToken?: string }

/** One branch's commits, newest first, 30 a page; page 1 follows pushes live, older pages stay on the tip they started from. */
export function RepositoryCommits({ name, gitRef }: { name: string; gitRef: string }) {
  // Tokens of the pages before the current one's, so "Newer" can go back.
  const [tokens, setTokens] = useState<string[]>([])
  const token = tokens[tokens.length - 1]
  const query = new URLSearchParams({ ref: gitRef, ...(token ? { nextToken: token } : {}) })
  const { data, error } = useLive(
    () => api<CommitPage>(`/repositories/${encodeURIComponent(name)}/commits?${query}`),
    [name, gitRef, token],
    isRepositoryEvent(name),
  )
  return (
    <section aria-labelledby="commits-heading" className="repo-commits">
      <h2 id="commits-heading">Commits <span className="muted small mono">{gitRef}</span></h2>
      {error && <p className="repo-alert" role="alert">{error}</p>}
      {!error && data && (
        <>
          <div className="scroll-x">
            <table className="list repo-commit-list">
              <thead>
                <tr><th scope="col">Commit</th><th scope="col">Message</th><th scope="col">Author</th><th scope="col">Date</th></tr>
              </thead>
              <tbody>
                {data.commits.map((c) => (
                  <tr key={c.commitId} data-commit={c.commitId}>
                    <td className="mono" title={c.commitId}>{c.commitId.slice(0, 8)}</td>
                    <td className="repo-message">{c.summary}</td>
                    <td title={c.authorEmail}>{c.authorName}</td>
                    <td className="repo-date">{fmtTime(c.date)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {(tokens.length > 0 || data.nextToken) && (
            <nav className="pager row" aria-label="Commit pages">
              <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>Newer</button>
              <span className="small" role="status">Commits {data.offset + 1}–{data.offset + data.commits.length}</span>
              <button type="button" disabled={!data.nextToken} onClick={() => data.nextToken && setTokens([...tokens, data.nextToken])}>Older</button>
            </nav>
          )}
        </>
      )}
    </section>
  )
}
