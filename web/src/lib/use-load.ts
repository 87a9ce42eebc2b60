import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { toApiError, type ApiError } from '../api/errors.js'

export interface Loaded<T> {
  data: T | null
  error: ApiError | null
  loading: boolean
  /** Loading for another key than the one of the data shown (not a reload of the same). */
  changing: boolean
  reload: () => void
  /** Changes what was loaded in place (a row deleted or updated), until the next load. */
  setData: (change: (current: T | null) => T | null) => void
}

/**
 * Loads what `load` answers when `key` changes (and on `reload`); an older answer arriving late
 * never replaces a newer one. What was loaded before stays shown while the next load runs.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [loading, setLoading] = useState(true)
  const [loadedKey, setLoadedKey] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const loader = useRef(load)
  loader.current = load

  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    loader
      .current(controller.signal)
      .then((answer) => {
        if (controller.signal.aborted) return
        setData(answer)
        setLoadedKey(key)
        setError(null)
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(toApiError(failure))
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false)
      })
    return () => controller.abort()
  }, [key, version])

  const reload = useCallback(() => setVersion((value) => value + 1), [])
  const changing = loading && loadedKey !== key
  return { data, error, loading, changing, reload, setData }
}
