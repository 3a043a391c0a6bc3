import { api, fmtBytes, fmtTime, statusClass, useLive } from './api.ts'
import { isImageEvent } from './ImageRepositoryList.tsx'

type Execution = { pipelineName: string; pipelineExecutionId: string; status: string; startTime: string }
type Image = {
  imageDigest: string
  imageTags?: string[]
  imageSizeInBytes?: number
  imagePushedAt?: string
  imageManifestMediaType?: string
  lastRecordedPullTime?: string
  executions: Execution[]
}
type Repository = { repositoryName: string; repositoryUri: string; imageTagMutability: string }

const MEDIA_NAMES: Record<string, string> = {
  'application/vnd.docker.distribution.manifest.v2+json': 'Docker image',
  'application/vnd.docker.distribution.manifest.list.v2+json': 'Docker manifest list',
  'application/vnd.oci.image.manifest.v1+json': 'OCI image',
  'application/vnd.oci.image.index.v1+json': 'OCI image index',
}

/** One ECR repository's images: tags, digests, sizes, push and pull times, the executions that used each. */
export function ImageRepositoryPage({ name }: { name: string }) {
  const { data, error } = useLive(() => api<{ repository: Repository; images: Image[] }>(`/images/${encodeURIComponent(name)}`), [name], (e) => isImageEvent(e) || e.type.startsWith('CodePipeline'))
  return (
    <section>
      <p className="crumbs"><a href="#/images">Images</a> /</p>
      <h1>{name}</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {data && <p className="mono small">docker pull {data.repository.repositoryUri}:TAG</p>}
      {data && data.images.length === 0 && <p className="muted">No images yet: <code>docker push {data.repository.repositoryUri}:TAG</code> after <code>aws ecr get-login-password | docker login --username AWS --password-stdin {data.repository.repositoryUri.split('/')[0]}</code>.</p>}
      {data && data.images.length > 0 && (
        <div className="scroll-x">
          <table className="list">
            <thead>
              <tr><th scope="col">Tags</th><th scope="col">Digest</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Pushed</th><th scope="col">Last pulled</th><th scope="col">Used by</th></tr>
            </thead>
            <tbody>
              {data.images.map((i) => (
                <tr key={i.imageDigest} data-image={i.imageDigest}>
                  <td className="mono">{i.imageTags?.join(', ') ?? <span className="muted">untagged</span>}</td>
                  <td className="mono small" title={i.imageDigest}>{i.imageDigest.slice(0, 19)}…</td>
                  <td className="small">{MEDIA_NAMES[i.imageManifestMediaType ?? ''] ?? i.imageManifestMediaType}</td>
                  <td>{fmtBytes(i.imageSizeInBytes)}</td>
                  <td>{fmtTime(i.imagePushedAt)}</td>
                  <td>{fmtTime(i.lastRecordedPullTime) || <span className="muted">never</span>}</td>
                  <td>
                    {i.executions.length === 0 && <span className="muted">—</span>}
                    {i.executions.map((e) => (
                      <div key={e.pipelineExecutionId} className="small">
                        <a href={`#/pipelines/${encodeURIComponent(e.pipelineName)}/executions/${encodeURIComponent(e.pipelineExecutionId)}`}>{e.pipelineName}</a>{' '}
                        <span className={statusClass(e.status)}>{e.status}</span>
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
