import { api, useLive } from './api.ts'
import { isRepositoryEvent, repositoryHash } from './repository-links.ts'

type Entry = { type: 'folder' | 'file' | 'symlink' | 'submodule'; name: string; path: string }
type Tree = { commitId: string; path: string; entries: Entry[] }
type FileView = { path: string; size?: number; binary: boolean; tooLarge: boolean; content?: string }

const TYPE_LABEL: Record<Entry['type'], string> = { folder: 'Folder', file: 'File', symlink: 'Symbolic link', submodule: 'Submodule' }

/** `repo / a / b / c` links up to (not including) the last part, which is the current folder or file. */
function Breadcrumb({ name, gitRef, path, file }: { name: string; gitRef: string; path: string; file: string }) {
  const parts = (file || path).split('/').filter(Boolean)
  return (
    <nav aria-label="Path" className="repo-path">
      <ol>
        <li>{parts.length === 0 ? <span aria-current="page">{name}</span> : <a href={repositoryHash(name, { ref: gitRef })}>{name}</a>}</li>
        {parts.map((part, i) => {
          const here = parts.slice(0, i + 1).join('/')
          return (
            <li key={here}>
              {i === parts.length - 1 ? <span aria-current="page">{part}</span> : <a href={repositoryHash(name, { ref: gitRef, path: here })}>{part}</a>}
            </li>
          )
        })}
      </ol>
    </nav>
  )
}

function Folder({ name, gitRef, path }: { name: string; gitRef: string; path: string }) {
  const query = new URLSearchParams({ ref: gitRef, path })
  const { data, error } = useLive(() => api<Tree>(`/repositories/${encodeURIComponent(name)}/tree?${query}`), [name, gitRef, path], isRepositoryEvent(name))
  if (error) return <p className="repo-alert" role="alert">{error}</p>
  if (!data) return <p className="muted">Loading…</p>
  if (data.entries.length === 0) return <p className="muted">This folder is empty.</p>
  return (
    <div className="scroll-x">
      <table className="list repo-tree">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Type</th></tr>
        </thead>
        <tbody>
          {data.entries.map((e) => (
            <tr key={e.path} data-entry={e.path}>
              <td>
                {e.type === 'folder' && <a href={repositoryHash(name, { ref: gitRef, path: e.path })}>{e.name}/</a>}
                {(e.type === 'file' || e.type === 'symlink') && <a href={repositoryHash(name, { ref: gitRef, path, file: e.path })}>{e.name}</a>}
                {e.type === 'submodule' && <span>{e.name}</span>}
              </td>
              <td className="muted small">{TYPE_LABEL[e.type]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function File({ name, gitRef, file }: { name: string; gitRef: string; file: string }) {
  const query = new URLSearchParams({ ref: gitRef, path: file })
  const { data, error } = useLive(() => api<FileView>(`/repositories/${encodeURIComponent(name)}/file?${query}`), [name, gitRef, file], isRepositoryEvent(name))
  if (error) return <p className="repo-alert" role="alert">{error}</p>
  if (!data) return <p className="muted">Loading…</p>
  const size = data.size === undefined ? '' : `${data.size.toLocaleString('en')} bytes`
  return (
    <figure className="repo-file">
      <figcaption className="row"><strong className="mono">{data.path.split('/').pop()}</strong><span className="muted small">{size}</span></figcaption>
      {data.tooLarge && <p className="repo-note">This file is larger than 1 MB, so it is not shown here. Clone the repository to read it.</p>}
      {data.binary && <p className="repo-note">This file is binary, so it is not shown here.</p>}
      {data.content !== undefined && <pre className="repo-code" tabIndex={0} aria-label={`Content of ${data.path}`}>{data.content}</pre>}
    </figure>
  )
}

/** The files of `gitRef`: the folder at `path`, or the file `file` when one is open. */
export function RepositoryFiles({ name, gitRef, path, file }: { name: string; gitRef: string; path: string; file: string }) {
  return (
    <section aria-labelledby="files-heading" className="repo-files">
      <h2 id="files-heading">Files</h2>
      <Breadcrumb name={name} gitRef={gitRef} path={path} file={file} />
      {file ? <File key={`${gitRef}:${file}`} name={name} gitRef={gitRef} file={file} /> : <Folder key={`${gitRef}:${path}`} name={name} gitRef={gitRef} path={path} />}
    </section>
  )
}
