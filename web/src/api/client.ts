import { ApiError, toApiError, type ErrorBody } from './errors.js'
import {
  authorization,
  endSession,
  expiresWithin,
  hasSession,
  keepTokens,
  refresh,
  refreshToken,
  setCurrentUser,
  type Me,
} from './session.js'

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  body?: unknown
  query?: Record<string, string | number | boolean | null | undefined>
  signal?: AbortSignal
  headers?: Record<string, string>
}

/** `/api` plus `path` and the query values that are set. */
export function apiUrl(path: string, query: RequestOptions['query'] = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return `/api${path}${text ? `?${text}` : ''}`
}

/**
 * One call to the API: the session's credential added, a 401 answered by one refresh and one
 * retry, the error body turned into an `ApiError`. Answers the raw response, for streams.
 */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const attempt = async () => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    const credential = authorization()
    if (credential) headers.authorization = credential
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    return fetch(apiUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
  }
  try {
    // An access token about to expire is renewed first: a refused request would be retried
    // anyway, but the browser reports every 401 as an error in its console.
    if (expiresWithin(10_000)) await refresh()
    let response = await attempt()
    if (response.status === 401 && authorization() && (await refresh())) response = await attempt()
    if (!response.ok) throw new ApiError(await errorBodyOf(response))
    return response
  } catch (error) {
    throw toApiError(error)
  }
}

/** `send`, then the JSON body (undefined for 204). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

async function errorBodyOf(response: Response): Promise<ErrorBody> {
  try {
    const body = (await response.json()) as ErrorBody
    if (typeof body.code === 'string') return body
  } catch {
    // Not the API's error body (a proxy's page, say): described below.
  }
  return {
    error: response.statusText || 'Request failed',
    detail: `The server answered ${response.status}.`,
    status_code: response.status,
    code: 'CLIENT_HTTP',
  }
}

/**
 * Finds out who is using the UI when it opens: with AUTH=on and no session in this tab, nobody
 * (the login page), without asking `/api/auth/me` to refuse; otherwise `loadMe`.
 */
export async function startSession(): Promise<Me | null> {
  // A session kept from earlier in this tab may have expired meanwhile: renewed (or ended) first.
  if (hasSession() && expiresWithin(10_000)) await refresh()
  if (!hasSession()) {
    const response = await fetch('/api/health', { headers: { accept: 'application/json' } })
    // An unhealthy server answers 503 with the same body: only the auth field matters here.
    const health = (await response.json().catch(() => null)) as { auth?: string } | null
    if (health?.auth === 'on') {
      setCurrentUser(null)
      return null
    }
  }
  return loadMe()
}

/** Asks who the session is; a 401 under AUTH=on means the login page. */
export async function loadMe(): Promise<Me | null> {
  try {
    const me = await request<Me>('/auth/me')
    setCurrentUser(me)
    return me
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      endSession()
      setCurrentUser(null)
      return null
    }
    throw error
  }
}

export async function login(name: string, password: string): Promise<Me | null> {
  const answer = await request<{ access_token: string; refresh_token: string; expires_in: number }>(
    '/auth/login',
    { method: 'POST', body: { name, password } },
  )
  keepTokens(answer)
  return loadMe()
}

export async function logout(): Promise<void> {
  const token = refreshToken()
  endSession()
  setCurrentUser(null)
  if (token) {
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
    }).catch(() => undefined)
  }
}
