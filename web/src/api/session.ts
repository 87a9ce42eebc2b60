import { useEffect, useState } from 'preact/hooks'

/** Who is using the UI, from `GET /api/auth/me`. */
export interface Me {
  auth: 'on' | 'off'
  id: string | null
  name: string | null
  admin: boolean
  via?: string
  limits?: Record<string, number | null>
  budgets?: Record<string, unknown>
  /** The runtime settings that shape a generation request. */
  settings: RequestSettings
}

/** `settings` of `GET /api/auth/me`: what a generation request may ask for on this server. */
export interface RequestSettings {
  /** null: the provider's own default model. */
  default_model: string | null
  allowed_models: string[]
  max_prompt_length: number
  verify_default: boolean
}

interface Tokens {
  access_token: string
  refresh_token: string
  /** When the access token expires, in ms since the epoch. */
  expires_at: number
}

/**
 * The session: tokens in sessionStorage (gone when the tab closes, never in localStorage or a
 * cookie), the access token refreshed a minute before it expires, and who the user is.
 */
const STORAGE_KEY = 'verigen.session'
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000

let tokens: Tokens | null = readStored()
let me: Me | null = null
let refreshTimer: number | undefined
let refreshing: Promise<boolean> | null = null
const listeners = new Set<() => void>()

function readStored(): Tokens | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Tokens | null
    return stored && typeof stored.access_token === 'string' ? stored : null
  } catch {
    return null
  }
}

function changed(): void {
  for (const listener of listeners) listener()
}

function store(next: Tokens | null): void {
  tokens = next
  clearTimeout(refreshTimer)
  if (next) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next))
    const wait = Math.max(5_000, next.expires_at - Date.now() - REFRESH_MARGIN_MS)
    refreshTimer = window.setTimeout(() => void refresh(), wait)
  } else {
    sessionStorage.removeItem(STORAGE_KEY)
  }
  changed()
}

/** The `Authorization` header value for the current session, if there is one. */
export function authorization(): string | null {
  return tokens ? `Bearer ${tokens.access_token}` : null
}

/** Whether the access token expires within `marginMs` (a request would be refused with a 401). */
export function expiresWithin(marginMs: number): boolean {
  return tokens !== null && tokens.expires_at - Date.now() < marginMs
}

/** Whether this tab holds a session (tokens), valid or not. */
export function hasSession(): boolean {
  return tokens !== null
}

/** The user, once `loadMe` has answered. */
export function currentUser(): Me | null {
  return me
}

export function setCurrentUser(next: Me | null): void {
  me = next
  changed()
}

/** Keeps the tokens a login or refresh answered. */
export function keepTokens(answer: {
  access_token: string
  refresh_token: string
  expires_in: number
}): void {
  store({
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    expires_at: Date.now() + answer.expires_in * 1000,
  })
}

/**
 * Trades the refresh token for new tokens. Answers false (and ends the session) when the server
 * refuses it; concurrent callers share one request, since a refresh token is spent once.
 */
export function refresh(): Promise<boolean> {
  if (!tokens) return Promise.resolve(false)
  const spent = tokens.refresh_token
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: spent }),
      })
      if (!response.ok) {
        if (response.status === 401 || response.status === 400) endSession()
        return false
      }
      keepTokens(
        (await response.json()) as {
          access_token: string
          refresh_token: string
          expires_in: number
        },
      )
      return true
    } catch {
      return false
    } finally {
      refreshing = null
    }
  })()
  return refreshing
}

/** Forgets the tokens here; `logout()` in client.ts also revokes them on the server. */
export function endSession(): void {
  store(null)
  me = me?.auth === 'on' ? null : me
  changed()
}

/** The refresh token, for logout. */
export function refreshToken(): string | null {
  return tokens?.refresh_token ?? null
}

if (tokens) store(tokens)

/** Re-renders the component when the session or the user changes. */
export function useSession(): { me: Me | null; signedIn: boolean } {
  const [, setVersion] = useState(0)
  useEffect(() => {
    const listener = () => setVersion((version) => version + 1)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }, [])
  return { me, signedIn: tokens !== null }
}
