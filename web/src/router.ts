import { useEffect, useState } from 'preact/hooks'

/**
 * A small history router: the UI's pages are real paths (`/history/<id>`), which the server
 * answers with the same `index.html` (src/plugins/web-ui.ts lists them).
 */
const listeners = new Set<() => void>()

function notify(): void {
  for (const listener of listeners) listener()
}

window.addEventListener('popstate', notify)

/** Goes to `path` (with its query string) without reloading the page. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  notify()
}

export interface Location {
  path: string
  query: URLSearchParams
}

/** The current path and query; re-renders the component when they change. */
export function useLocation(): Location {
  const [, setVersion] = useState(0)
  useEffect(() => {
    const listener = () => setVersion((version) => version + 1)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }, [])
  return { path: location.pathname, query: new URLSearchParams(location.search) }
}

/** Replaces the query string (filters, paging) without adding a history entry. */
export function setQuery(values: Record<string, string | null | undefined>): void {
  const query = new URLSearchParams(location.search)
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') query.delete(key)
    else query.set(key, value)
  }
  const search = query.toString()
  navigate(`${location.pathname}${search ? `?${search}` : ''}`, { replace: true })
}

/** `match('/history/:id', '/history/abc')` → `{ id: 'abc' }`, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = []
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name)
    return '([^/]+)'
  })
  const found = new RegExp(`^${source}/?$`).exec(path)
  if (!found) return null
  return Object.fromEntries(
    names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]),
  )
}

/**
 * A click handler for an in-app link: navigates without a reload, but leaves modified clicks
 * (new tab, new window) to the browser.
 */
export function linkHandler(path: string) {
  return (event: MouseEvent): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return
    }
    event.preventDefault()
    navigate(path)
  }
}
