import type { Verification } from '../../api/generation-types.js'
import type { VerifyRound } from './generation-state.js'
import { TableWrap } from '../../components/table-wrap.js'

const OUTCOME_BADGE: Record<string, string> = {
  passed: 'ok',
  failed: 'danger',
  error: 'danger',
  skipped: 'warn',
}

/** A verification's counts, its test cases, whether the tests fail on a stub, its output. */
export function VerificationPanel(props: {
  verification: Verification | null
  rounds: VerifyRound[]
}) {
  const { verification, rounds } = props
  if (!verification) {
    if (rounds.length === 0) return <p class="muted">Verification has not started yet.</p>
    return <RoundList rounds={rounds} />
  }
  if (verification.status === 'skipped') {
    return (
      <p class="notice">
        The tests were not run{verification.reason ? `: ${verification.reason}` : ''}.
      </p>
    )
  }
  const { tests, test_quality: quality } = verification
  return (
    <div class="stack">
      <p>
        <span class={`badge ${OUTCOME_BADGE[verification.status] ?? ''}`}>
          {verification.status}
        </span>{' '}
        {tests.passed} of {tests.total} tests passed
        {tests.failed > 0 && `, ${tests.failed} failed`}
        {tests.errors > 0 && `, ${tests.errors} errors`}
        {tests.skipped > 0 && `, ${tests.skipped} skipped`}
        {verification.runner && <span class="muted"> · {verification.runner}</span>}
        <span class="muted">
          {' '}
          · {verification.rounds} fix round{verification.rounds === 1 ? '' : 's'}
        </span>
      </p>
      {verification.reason && <p class="muted">{verification.reason}</p>}
      <p>
        <strong>Fails on a stub: </strong>
        {quality.fails_on_stub === null
          ? 'not checked'
          : quality.fails_on_stub
            ? 'yes — every test fails when the functions are replaced by stubs, so the tests check real behaviour'
            : `no — ${quality.passed_on_stub.length} test${quality.passed_on_stub.length === 1 ? '' : 's'} passed against a stub: ${quality.passed_on_stub.join(', ')}`}
      </p>
      {rounds.length > 1 && <RoundList rounds={rounds} />}
      <TableWrap label="Test cases">
        <table>
          <caption class="visually-hidden">Test cases</caption>
          <thead>
            <tr>
              <th scope="col">Test</th>
              <th scope="col">Outcome</th>
              <th scope="col">Message</th>
              <th scope="col" class="number">
                Time
              </th>
            </tr>
          </thead>
          <tbody>
            {verification.cases.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  The runner reported no test cases.
                </td>
              </tr>
            )}
            {verification.cases.map((testCase) => (
              <tr key={testCase.name}>
                <td>
                  <code>{testCase.name}</code>
                </td>
                <td>
                  <span class={`badge ${OUTCOME_BADGE[testCase.outcome] ?? ''}`}>
                    {testCase.outcome}
                  </span>
                </td>
                <td>
                  {testCase.message ? <pre class="case-message">{testCase.message}</pre> : '—'}
                </td>
                <td class="number">
                  {testCase.duration_ms === null ? '—' : `${testCase.duration_ms} ms`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <h3>Runner output</h3>
      <pre class="runner-output">{verification.output || '(no output)'}</pre>
    </div>
  )
}

function RoundList(props: { rounds: VerifyRound[] }) {
  return (
    <ol class="rounds">
      {props.rounds.map((round) => (
        <li key={round.round}>
          Round {round.round + 1}: {round.status}
          {round.tests && `, ${round.tests.passed}/${round.tests.total} passed`}
          {round.fixReason && <span class="muted small"> — sent back: {round.fixReason}</span>}
        </li>
      ))}
    </ol>
  )
}
