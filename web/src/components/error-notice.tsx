import type { ApiError } from '../api/errors.js'
import { adviceFor } from '../api/errors.js'

/**
 * An error in plain words: what went wrong (the server's detail), what to do about it, and the
 * request id to quote when reporting it. `role="alert"` so screen readers announce it.
 */
export function ErrorNotice(props: {
  error: ApiError
  advice?: string | null
  onRetry?: () => void
}) {
  const { error } = props
  const advice = props.advice === undefined ? adviceFor(error) : props.advice
  return (
    <div class="error-notice" role="alert">
      <p class="error-title">{error.body.error}</p>
      <p>{error.body.detail}</p>
      {error.body.errors && error.body.errors.length > 0 && (
        <ul>
          {error.body.errors.map((problem) => (
            <li key={problem.field}>
              <code>{problem.field}</code>: {problem.message}
            </li>
          ))}
        </ul>
      )}
      {advice && <p class="error-advice">{advice}</p>}
      {error.body.request_id && (
        <p class="muted small">
          Request id: <code>{error.body.request_id}</code>
        </p>
      )}
      {props.onRetry && (
        <button type="button" class="button secondary" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  )
}
