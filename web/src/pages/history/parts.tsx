import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { formatDate, formatRelative } from '../../lib/format.js'
import { statusLook } from './listing.js'
import type { Language } from './types.js'

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

/**
 * A delete button with a second step: the first press shows "Confirm delete" (focused) and
 * "Keep"; Escape or Keep goes back. Keyboard-only users can do both; nothing is deleted by one
 * stray press.
 */
export function ConfirmDelete(props: {
  /** What is deleted, for the buttons' accessible names ("generation 'Write a…'"). */
  what: string
  onConfirm: () => Promise<void> | void
  small?: boolean
  label?: string
}) {
  const [asking, setAsking] = useState(false)
  const [busy, setBusy] = useState(false)
  const confirmRef = useRef<HTMLButtonElement>(null)
  const deleteRef = useRef<HTMLButtonElement>(null)
  const wasAsking = useRef(false)
  const size = props.small ? ' small' : ''

  // Layout effect: focus moves in the same task as the render, so no key press lands on the page.
  useLayoutEffect(() => {
    if (asking) confirmRef.current?.focus()
    else if (wasAsking.current) deleteRef.current?.focus()
    wasAsking.current = asking
  }, [asking])

  if (!asking) {
    return (
      <button
        ref={deleteRef}
        type="button"
        class={`button danger${size}`}
        aria-label={`${props.label ?? 'Delete'} ${props.what}`}
        onClick={() => setAsking(true)}
      >
        {props.label ?? 'Delete'}
      </button>
    )
  }
  return (
    <span
      class="confirm-delete"
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false)
      }}
    >
      <button
        ref={confirmRef}
        type="button"
        class={`button danger confirm${size}`}
        aria-label={`Confirm delete ${props.what}`}
        disabled={busy}
        onClick={async () => {
          setBusy(true)
          try {
            await props.onConfirm()
          } finally {
            setBusy(false)
            setAsking(false)
          }
        }}
      >
        {busy ? 'Deleting…' : 'Confirm delete'}
      </button>
      <button
        type="button"
        class={`button secondary${size}`}
        aria-label={`Keep ${props.what}`}
        disabled={busy}
        onClick={() => setAsking(false)}
      >
        Keep
      </button>
    </span>
  )
}

let languages: Promise<Language[]> | null = null

/** The server's languages (for the filter), fetched once per page load. */
export function useLanguages(): Language[] {
  const [list, setList] = useState<Language[]>([])
  useEffect(() => {
    languages ??= request<{ languages: Language[] }>('/languages')
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

/** One term and value of a `<dl class="facts">`. */
export function Fact(props: { term: string; value: string; mono?: boolean }) {
  return (
    // A code value (an id) is long: it gets a row of its own.
    <div class={props.mono ? 'wide' : undefined}>
      <dt>{props.term}</dt>
      <dd>{props.mono ? <code>{props.value}</code> : props.value}</dd>
    </div>
  )
}
