import { useState } from 'preact/hooks'
import { setQuery } from '../router.js'

/**
 * Previous / Next for a cursor-paged list. The API pages forwards only (next_cursor), so the
 * page keeps the cursors it came through; "Newest" goes back to the first page when there is no
 * trail (the page was opened on a later page's URL).
 */
export function Pager(props: {
  /** What the list holds, for the buttons' names ("generations"). */
  noun: string
  /** Whether this is not the first page. */
  onLaterPage: boolean
  /** Whether there is a page before this one in the trail (else Previous means Newest). */
  hasTrail: boolean
  hasNext: boolean
  busy?: boolean
  onPrevious: () => void
  onNext: () => void
}) {
  return (
    <nav class="pager row" aria-label={`Pages of ${props.noun}`}>
      <button
        type="button"
        class="button secondary"
        disabled={!props.onLaterPage || props.busy}
        onClick={props.onPrevious}
      >
        {props.hasTrail || !props.onLaterPage ? '← Newer' : '⇤ Newest'}
      </button>
      <button
        type="button"
        class="button secondary"
        disabled={!props.hasNext || props.busy}
        onClick={props.onNext}
      >
        Older →
      </button>
    </nav>
  )
}

/**
 * The cursors a list came through (the API pages forwards only), as the Pager's props; `reset`
 * forgets them when a filter sends the list back to its first page.
 */
export function useCursorTrail(cursor: string) {
  const [trail, setTrail] = useState<string[]>([])
  return {
    reset: () => setTrail([]),
    pagerProps: (nextCursor: string | null) => ({
      onLaterPage: Boolean(cursor),
      hasTrail: trail.length > 0,
      hasNext: Boolean(nextCursor),
      onPrevious: () => {
        const previous = trail.at(-1) ?? ''
        setTrail(trail.slice(0, -1))
        setQuery({ cursor: previous || null })
      },
      onNext: () => {
        setTrail([...trail, cursor])
        setQuery({ cursor: nextCursor })
      },
    }),
  }
}
