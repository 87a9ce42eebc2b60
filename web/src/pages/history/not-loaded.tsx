import type { ApiError } from '../../api/errors.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Link } from '../../components/link.js'

/**
 * What a page of one generation or job shows before it has the record: that it is loading, or
 * why it could not be read (not there, or not the user's, in plain words).
 */
export function NotLoaded(props: {
  /** "Generation" or "Job": the heading, and in lower case the words. */
  noun: string
  id: string
  /** The list it belongs to. */
  back: { href: string; label: string }
  error: ApiError | null
  onRetry: () => void
}) {
  const noun = props.noun.toLowerCase()
  if (!props.error) {
    return (
      <section>
        <h1>{props.noun}</h1>
        <p role="status">Loading the {noun}…</p>
      </section>
    )
  }
  return (
    <section>
      <Link href={props.back.href} class="back-link">
        ← {props.back.label}
      </Link>
      <h1>{props.noun}</h1>
      {props.error.status === 404 ? (
        <p class="notice">
          There is no {noun} <code>{props.id}</code>, or it is not yours. It may have been deleted.{' '}
          <Link href={props.back.href}>Back to the {props.back.label.toLowerCase()}</Link>.
        </p>
      ) : (
        <ErrorNotice error={props.error} onRetry={props.onRetry} />
      )}
    </section>
  )
}
