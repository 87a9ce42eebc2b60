import { useEffect, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { formatDate, formatRelative } from '../../lib/format.js'
import { statusLook } from './listing.js'
import type { LanguageInfo } from '../../api/generation-types.js'

/** A status as a badge: its words and a mark, never colour alone. */
export function StatusBadge(props: { status: string; detail?: string | null }) {
  const look = statusLook(props.status)
  const mark = { ok: '✓', warn: '!', danger: '✕', info: '…', neutral: '–' }[look.tone]
  return (
    <span class={`badge status-badge ${look.tone === 'info' ? 'info' : look.tone}`}>
      <span aria-hidden="true">{mark} </span>
      {look.label}
      {props.detail ? <span class="status-detail"> · {props.detail}</span> : null}
    </span>
  )
}

/** A time as "5 minutes ago", with the full date as its tooltip and machine-readable value. */
export function TimeAgo(props: { iso: string | null; now?: number }) {
  if (!props.iso) return <span>—</span>
  return (
    <time dateTime={props.iso} title={formatDate(props.iso)}>
      {formatRelative(props.iso, props.now)}
    </time>
  )
}

let languages: Promise<Pick<LanguageInfo, 'id' | 'name'>[]> | null = null

/** The server's languages (for the filter), fetched once per page load. */
export function useLanguages(): Pick<LanguageInfo, 'id' | 'name'>[] {
  const [list, setList] = useState<Pick<LanguageInfo, 'id' | 'name'>[]>([])
  useEffect(() => {
    languages ??= request<{ languages: Pick<LanguageInfo, 'id' | 'name'>[] }>('/languages')
      .then((answer) => answer.languages.map(({ id, name }) => ({ id, name })))
      .catch(() => {
        languages = null
        return []
      })
    let live = true
    void languages.then((found) => {
      if (live) setList(found)
    })
    return () => {
      live = false
    }
  }, [])
  return list
}

/** Whether the tab is shown; lists stop refreshing while it is hidden. */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === 'visible')
  useEffect(() => {
    const listener = () => setVisible(document.visibilityState === 'visible')
    document.addEventListener('visibilitychange', listener)
    return () => document.removeEventListener('visibilitychange', listener)
  }, [])
  return visible
}
