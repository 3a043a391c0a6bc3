import { useState, type FormEvent } from 'react'
import { api, useSubmit } from './api.ts'

export function SignIn({ onSignedIn }: { onSignedIn: (principal: string) => void }) {
  const [id, setId] = useState('')
  const [secret, setSecret] = useState('')
  const expired = location.search.includes('login=expired') ? 'That login link is used or expired; run slipway console again, or sign in with an access key.' : undefined
  const { busy, error, run } = useSubmit(undefined, expired)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const s = await run(() => api<{ principal: string }>('/session', { method: 'POST', body: { accessKeyId: id.trim(), secretAccessKey: secret.trim() } }))
    if (!s) return
    history.replaceState(null, '', '/')
    onSignedIn(s.principal)
  }
  return (
    <main className="signin">
      <h1>Sign in to Slipway</h1>
      <p className="muted">Use an access key (<code>slipway keys create</code>), or open the link <code>slipway console</code> prints.</p>
      <form onSubmit={submit}>
        <label htmlFor="akid">Access key ID</label>
        <input id="akid" autoComplete="username" value={id} onChange={(e) => setId(e.target.value)} required />
        <label htmlFor="secret">Secret access key</label>
        <input id="secret" type="password" autoComplete="current-password" value={secret} onChange={(e) => setSecret(e.target.value)} required />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  )
}
