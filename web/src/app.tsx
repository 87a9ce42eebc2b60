import { lazy, Suspense } from 'preact/compat'
import { useEffect, useState } from 'preact/hooks'
import { logout, startSession } from './api/client.js'
import { adviceFor, toApiError, type ApiError } from './api/errors.js'
import { useSession } from './api/session.js'
import { ErrorNotice } from './components/error-notice.js'
import { linkHandler, match, navigate, useLocation } from './router.js'
import { GeneratePage } from './pages/generate/generate-page.js'
import { LoginPage } from './pages/login.js'

// The first page a visitor sees is Generate; every other page loads when it is opened, so the
// first load stays small.
const AnalysePage = lazy(() => import('./pages/analyse/analyse-page.js').then((m) => m.AnalysePage))
const HistoryPage = lazy(() => import('./pages/history/history-page.js').then((m) => m.HistoryPage))
const GenerationPage = lazy(() =>
  import('./pages/history/generation-page.js').then((m) => m.GenerationPage),
)
const JobsPage = lazy(() => import('./pages/jobs/jobs-page.js').then((m) => m.JobsPage))
const JobPage = lazy(() => import('./pages/jobs/job-page.js').then((m) => m.JobPage))
const AdminPage = lazy(() => import('./pages/admin/admin-page.js').then((m) => m.AdminPage))

interface NavItem {
  path: string
  label: string
  admin?: boolean
}

const NAV: NavItem[] = [
  { path: '/', label: 'Generate' },
  { path: '/analyse', label: 'Analyse' },
  { path: '/history', label: 'History' },
  { path: '/jobs', label: 'Jobs' },
  { path: '/admin', label: 'Admin', admin: true },
]

/** The page for a path, or null for an unknown one. */
function pageFor(path: string) {
  if (path === '/' || path === '/generate') return <GeneratePage />
  if (path === '/analyse') return <AnalysePage />
  if (path === '/history') return <HistoryPage />
  const generation = match('/history/:id', path)
  if (generation) return <GenerationPage id={generation.id ?? ''} />
  if (path === '/jobs') return <JobsPage />
  const job = match('/jobs/:id', path)
  if (job) return <JobPage id={job.id ?? ''} />
  if (path === '/admin') return <AdminPage />
  return null
}

function titleFor(path: string): string {
  const item = NAV.find((entry) => entry.path !== '/' && path.startsWith(entry.path))
  return item ? item.label : path === '/login' ? 'Log in' : 'Generate'
}

export function App() {
  const { path } = useLocation()
  const { me } = useSession()
  const [checked, setChecked] = useState(false)
  const [failure, setFailure] = useState<ApiError | null>(null)

  useEffect(() => {
    startSession()
      .then(() => setFailure(null))
      .catch((error: unknown) => setFailure(toApiError(error)))
      .finally(() => setChecked(true))
  }, [])

  useEffect(() => {
    document.title = `${titleFor(path)} · Verigen`
  }, [path])

  // Under AUTH=on a visitor without a session sees the login page, whatever the path.
  const needsLogin = checked && failure === null && me === null
  useEffect(() => {
    if (needsLogin && path !== '/login') {
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, {
        replace: true,
      })
    }
  }, [needsLogin, path])

  let content
  if (!checked) content = <p role="status">Loading…</p>
  else if (failure) {
    content = (
      <ErrorNotice error={failure} advice={adviceFor(failure)} onRetry={() => location.reload()} />
    )
  } else if (path === '/login' || me === null) content = <LoginPage />
  else if (path === '/admin' && !me.admin) {
    content = <p class="notice">Only administrators can open the admin pages.</p>
  } else {
    content = pageFor(path) ?? (
      <section>
        <h1>Page not found</h1>
        <p>
          There is no page at <code>{path}</code>. <a href="/">Go to Generate</a>.
        </p>
      </section>
    )
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <a class="brand" href="/" onClick={linkHandler('/')}>
          Verigen
        </a>
        {me && (
          <nav aria-label="Main">
            <ul>
              {NAV.filter((item) => !item.admin || me.admin).map((item) => (
                <li key={item.path}>
                  <a
                    href={item.path}
                    onClick={linkHandler(item.path)}
                    aria-current={isCurrent(item.path, path) ? 'page' : undefined}
                  >
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {me?.auth === 'on' && (
          <div class="account">
            <span>{me.name}</span>
            <button
              type="button"
              class="button secondary"
              onClick={() => void logout().then(() => navigate('/login'))}
            >
              Log out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>{content}</Suspense>
      </main>
    </>
  )
}

function isCurrent(item: string, path: string): boolean {
  if (item === '/') return path === '/' || path === '/generate'
  return path === item || path.startsWith(`${item}/`)
}
