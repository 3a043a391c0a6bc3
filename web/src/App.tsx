import { useEffect, useState } from 'react'
import { api, live } from './api.ts'
import { SignIn } from './SignIn.tsx'
import { PipelineList } from './PipelineList.tsx'
import { PipelinePage } from './PipelinePage.tsx'
import { BuildPage } from './BuildPage.tsx'
import { DeploymentList } from './DeploymentList.tsx'
import { DeploymentPage } from './DeploymentPage.tsx'
import { RepositoryList } from './RepositoryList.tsx'
import { RepositoryPage } from './RepositoryPage.tsx'
import { BuildList } from './BuildList.tsx'
import { ProjectPage } from './ProjectPage.tsx'
import { PipelineEditor } from './PipelineEditor.tsx'
import { ExecutionPage } from './ExecutionPage.tsx'
import { RunnerList } from './RunnerList.tsx'
import { ImageRepositoryList } from './ImageRepositoryList.tsx'
import { ImageRepositoryPage } from './ImageRepositoryPage.tsx'

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/')
  useEffect(() => {
    const on = () => setHash(location.hash || '#/')
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return hash
}

export function App() {
  const hash = useHash()
  const [principal, setPrincipal] = useState<string | undefined>()
  const [checked, setChecked] = useState(false)
  const [connected, setConnected] = useState(true)
  const route = hash.replace(/^#/, '').split('?')[0] ?? '/'

  useEffect(() => {
    api<{ principal: string }>('/session').then(
      (s) => (setPrincipal(s.principal), setChecked(true)),
      () => (setPrincipal(undefined), setChecked(true)),
    )
  }, [hash === '#/signin'])

  useEffect(() => {
    if (!principal) return
    live.onState = setConnected
    live.start()
    return () => live.stop()
  }, [principal])

  if (!checked) return null
  if (!principal || route === '/signin') {
    return <SignIn onSignedIn={(p) => (setPrincipal(p), (location.hash = '#/'))} />
  }
  const signOut = async () => {
    await api('/session', { method: 'DELETE' }).catch(() => {})
    setPrincipal(undefined)
    location.hash = '#/signin'
  }
  const parts = route.split('/').filter(Boolean).map(decodeURIComponent)
  const query = new URLSearchParams(hash.split('?')[1] ?? '')
  let page
  if (parts[0] === 'pipelines' && parts[1] && parts[2] === 'edit') page = <PipelineEditor name={parts[1]} />
  else if (parts[0] === 'pipelines' && parts[1] && parts[2] === 'executions' && parts[3]) page = <ExecutionPage pipeline={parts[1]} id={parts[3]} />
  else if (parts[0] === 'pipelines' && parts[1]) page = <PipelinePage name={parts[1]} />
  else if (parts[0] === 'builds' && parts[1]) page = <BuildPage id={parts[1]} />
  else if (parts[0] === 'builds') page = <BuildList />
  else if (parts[0] === 'runners') page = <RunnerList />
  else if (parts[0] === 'projects' && parts[1]) page = <ProjectPage name={parts[1]} />
  else if (parts[0] === 'repositories' && parts[1]) page = <RepositoryPage name={parts[1]} query={query} />
  else if (parts[0] === 'repositories') page = <RepositoryList />
  else if (parts[0] === 'images' && parts[1]) page = <ImageRepositoryPage name={parts.slice(1).join('/')} />
  else if (parts[0] === 'images') page = <ImageRepositoryList />
  else if (parts[0] === 'deployments' && parts[1]) page = <DeploymentPage id={parts[1]} />
  else if (parts[0] === 'deployments') page = <DeploymentList />
  else page = <PipelineList />
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">Slipway</a>
        <nav aria-label="Main">
          <a href="#/">Pipelines</a>
          <a href="#/builds">Builds</a>
          <a href="#/runners">Runners</a>
          <a href="#/deployments">Deployments</a>
          <a href="#/repositories">Repositories</a>
          <a href="#/images">Images</a>
        </nav>
        <span className="who">{principal}</span>
        <button type="button" className="link" onClick={signOut}>Sign out</button>
      </header>
      {!connected && (
        <div className="banner" role="status" aria-live="polite">
          Connection to the server lost — reconnecting…
        </div>
      )}
      <main>{page}</main>
    </>
  )
}
