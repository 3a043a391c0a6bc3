import { api, fmtTime, useLive } from './api.ts'

type Repository = { repositoryName: string; repositoryUri: string; imageTagMutability: string; createdAt: string; imageCount: number }

export const isImageEvent = (e: { type: string }) => e.type === 'ECR Image Action'
export const imageRepositoryHash = (name: string) => `#/images/${encodeURIComponent(name)}`

/** ECR repositories: their URIs (what `docker push` names) and how many images each holds. */
export function ImageRepositoryList() {
  const { data, error } = useLive(() => api<{ repositories: Repository[] }>('/images'), [], isImageEvent)
  return (
    <section>
      <h1>Images</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {data && data.repositories.length === 0 && (
        <p className="muted">No image repositories yet. Create one with <code>aws ecr create-repository --repository-name my-app</code>.</p>
      )}
      {data && data.repositories.length > 0 && (
        <div className="scroll-x">
          <table className="list">
            <thead>
              <tr><th scope="col">Repository</th><th scope="col">URI</th><th scope="col">Images</th><th scope="col">Tags</th><th scope="col">Created</th></tr>
            </thead>
            <tbody>
              {data.repositories.map((r) => (
                <tr key={r.repositoryName} data-image-repository={r.repositoryName}>
                  <td><a href={imageRepositoryHash(r.repositoryName)}>{r.repositoryName}</a></td>
                  <td className="mono small">{r.repositoryUri}</td>
                  <td>{r.imageCount}</td>
                  <td>{r.imageTagMutability === 'IMMUTABLE' ? 'immutable' : 'mutable'}</td>
                  <td>{fmtTime(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
