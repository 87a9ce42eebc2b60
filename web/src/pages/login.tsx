import { useState } from 'preact/hooks'
import { login } from '../api/client.js'
import { toApiError, type ApiError } from '../api/errors.js'
import { ErrorNotice } from '../components/error-notice.js'
import { navigate, useLocation } from '../router.js'

/** Only an in-app path may be the page to return to, never another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && next !== '/login' ? next : '/'
}

export function LoginPage() {
  const { query } = useLocation()
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<ApiError | null>(null)

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setFailure(null)
    try {
      await login(name.trim(), password)
      setPassword('')
      navigate(safeNext(query.get('next')), { replace: true })
    } catch (error) {
      setFailure(toApiError(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="login card">
      <h1>Log in</h1>
      <form onSubmit={(event) => void submit(event)}>
        <div class="field">
          <label for="login-name">Name</label>
          <input
            id="login-name"
            name="username"
            autoComplete="username"
            required
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </div>
        {failure && (
          <ErrorNotice
            error={failure}
            advice={failure.status === 401 ? 'Check the name and the password.' : undefined}
          />
        )}
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </section>
  )
}
