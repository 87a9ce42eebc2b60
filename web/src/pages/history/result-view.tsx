import { formatDuration } from '../../lib/format.js'
import type { ResultLike } from './types.js'

/**
 * A generation's result as plain text: code, tests, docs and the verification verdict. Shown
 * where the Generate page's full view is not available.
 */
export function ResultView(props: { result: ResultLike }) {
  const { result } = props
  const verification = result.verification
  return (
    <div class="stack result-view">
      {result.errors.length > 0 && (
        <div class="notice">
          <p class="field-label">Problems</p>
          <ul>
            {result.errors.map((problem, index) => (
              <li key={index}>
                <strong>{problem.stage}</strong>: {problem.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      <section aria-labelledby="result-code">
        <h2 id="result-code">Code ({result.filename})</h2>
        <pre tabIndex={0} aria-labelledby="result-code">
          <code>{result.code}</code>
        </pre>
      </section>
      {result.tests && (
        <section aria-labelledby="result-tests">
          <h2 id="result-tests">
            Tests ({result.tests.filename}, {result.tests.framework})
          </h2>
          <pre tabIndex={0} aria-labelledby="result-tests">
            <code>{result.tests.code}</code>
          </pre>
        </section>
      )}
      {result.documentation && (
        <section aria-labelledby="result-docs">
          <h2 id="result-docs">Docs</h2>
          <pre tabIndex={0} aria-labelledby="result-docs" class="docs-text">
            {result.documentation.content}
          </pre>
        </section>
      )}
      {verification && (
        <section aria-labelledby="result-verification">
          <h2 id="result-verification">Verification</h2>
          <p>
            <strong>{verification.status}</strong>
            {verification.tests.total > 0 &&
              ` — ${verification.tests.passed} of ${verification.tests.total} tests passed`}
            {verification.runner && ` with ${verification.runner}`}
            {verification.reason && ` (${verification.reason})`}
          </p>
        </section>
      )}
      <p class="muted small">
        Total time {formatDuration(result.timings_ms.total)} · model {result.model}
      </p>
    </div>
  )
}
