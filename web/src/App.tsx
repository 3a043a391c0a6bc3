import { useEffect, useState } from 'react'
import { api, live } from './api.ts'
import { SignIn } from './SignIn.tsx'
import { PipelineList } from './PipelineList.tsx'
import { PipelinePage } from './PipelinePage.tsx'
import { BuildPage } from './BuildPage.tsx'
import { DeploymentList } from './DeploymentList.tsx'
import { DeploymentPage } from './DeploymentPage.tsx'

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
  let page
  if (parts[0] === 'pipelines' && parts[1]) page = <PipelinePage name={parts[1]} />
  else if (parts[0] === 'builds' && parts[1]) page = <BuildPage id={parts[1]} />
  else if (parts[0] === 'deployments' && parts[1]) page = <DeploymentPage id={parts[1]} />
  else if (parts[0] === 'deployments') page = <DeploymentList />
  else page = <PipelineList />
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">Slipway</a>
        <nav aria-label="Main">
          <a href="#/">Pipelines</a>
          <a href="#/deployments">Deployments</a>
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
