import { Chart } from '../../components/chart.js'
import { MAINTAINABILITY_BANDS, READABILITY_BANDS } from './bands.js'
import { FunctionTable } from './function-table.js'
import { ScoreBand } from './score-band.js'
import type { AnalysisReport, FunctionReport } from '../../api/analysis-types.js'
import { TableWrap } from '../../components/table-wrap.js'
import { Term, Terms } from '../../components/terms.js'

// Beyond this many functions the chart keeps the most complex ones, so its bars stay readable.
const CHART_LIMIT = 30

function LineLink(props: { line: number; onGoTo: (line: number) => void; column?: number }) {
  const where =
    props.column === undefined ? `Line ${props.line}` : `Line ${props.line}, column ${props.column}`
  return (
    <button type="button" class="link-button" onClick={() => props.onGoTo(props.line)}>
      {where}
    </button>
  )
}

function chartData(functions: FunctionReport[]) {
  const shown =
    functions.length <= CHART_LIMIT
      ? functions
      : [...functions]
          .sort((a, b) => b.cyclomatic_complexity - a.cyclomatic_complexity)
          .slice(0, CHART_LIMIT)
          .sort((a, b) => a.start_line - b.start_line)
  return {
    shown,
    labels: shown.map((fn) => fn.qualified_name),
    series: [
      { label: 'Cyclomatic', values: shown.map((fn) => fn.cyclomatic_complexity) },
      { label: 'Cognitive', values: shown.map((fn) => fn.cognitive_complexity) },
    ],
  }
}

/** The hotspots the report found, or else its most complex functions, each linked to its line. */
function Hotspots(props: { report: AnalysisReport; onGoTo: (line: number) => void }) {
  const { hotspots } = props.report.performance
  if (hotspots.length > 0) {
    return (
      <ul class="link-list">
        {hotspots.map((spot) => (
          <li key={`${spot.line}:${spot.kind}`}>
            <LineLink line={spot.line} onGoTo={props.onGoTo} /> in <code>{spot.function}</code>:{' '}
            {spot.reason}
          </li>
        ))}
      </ul>
    )
  }
  const top = [...props.report.functions]
    .sort((a, b) => b.cyclomatic_complexity - a.cyclomatic_complexity)
    .slice(0, 3)
  if (top.length === 0) return <p class="muted">No hotspots, and no functions to rank.</p>
  return (
    <>
      <p class="muted">No hotspots found. The most complex functions:</p>
      <ul class="link-list">
        {top.map((fn) => (
          <li key={`${fn.qualified_name}:${fn.start_line}`}>
            <LineLink line={fn.start_line} onGoTo={props.onGoTo} />:{' '}
            <code>{fn.qualified_name}</code>, cyclomatic {fn.cyclomatic_complexity}, cognitive{' '}
            {fn.cognitive_complexity}
          </li>
        ))}
      </ul>
    </>
  )
}

/** One file's analysis: summary, scores on their bands, functions, chart, hotspots, issues. */
export function ReportView(props: {
  report: AnalysisReport
  languageName: string
  onGoTo: (line: number) => void
}) {
  const { report, onGoTo } = props
  const { metrics } = report
  const warningCount = report.syntax_warnings?.length ?? 0
  const chart = chartData(report.functions)
  const issues = report.issues.filter((issue) => issue.rule !== 'syntax-error')
  return (
    <div class="stack analyse-report">
      <section class="card" aria-labelledby="analyse-summary">
        <h2 id="analyse-summary">Summary</h2>
        <Terms>
          <Term term="Language">{props.languageName}</Term>
          <Term term="Syntax">
            {report.syntax_valid ? (
              <span class="badge ok">Valid</span>
            ) : (
              <span class="badge danger">
                {report.syntax_errors.length} syntax error
                {report.syntax_errors.length === 1 ? '' : 's'}
              </span>
            )}
            {warningCount > 0 && (
              <>
                {' '}
                <span class="badge warn">
                  {warningCount} warning{warningCount === 1 ? '' : 's'}
                </span>
              </>
            )}
            {report.syntax_checker === 'typescript' && (
              <span class="small muted"> (checked by the TypeScript compiler)</span>
            )}
          </Term>
          <Term term="Lines">
            {metrics.lines.code} of code, {metrics.lines.total} in all
          </Term>
          <Term term="Functions">
            {metrics.functions}
            {metrics.classes > 0 ? `, in ${metrics.classes} classes` : ''}
          </Term>
          <Term term="Cyclomatic">
            average {metrics.cyclomatic_complexity.average}, highest{' '}
            {metrics.cyclomatic_complexity.max}
          </Term>
          <Term term="Cognitive">
            average {metrics.cognitive_complexity.average}, highest{' '}
            {metrics.cognitive_complexity.max}
          </Term>
          <Term term="Time (estimate)">
            <code>{report.performance.time_complexity}</code>
            {report.performance.worst_function ? (
              <>
                {' '}
                in <code>{report.performance.worst_function}</code>
              </>
            ) : null}
          </Term>
        </Terms>
      </section>

      <section class="card stack" aria-labelledby="analyse-scores">
        <h2 id="analyse-scores">Maintainability and readability</h2>
        <ScoreBand
          title="Maintainability index"
          score={metrics.maintainability_index}
          bands={MAINTAINABILITY_BANDS}
          note={`Rank ${metrics.maintainability_rank}, counted as ${report.reference.maintainability}.`}
        />
        <ScoreBand title="Readability" score={report.readability.score} bands={READABILITY_BANDS} />
        <details>
          <summary>How readability is scored</summary>
          <TableWrap label="Readability scale">
            <table>
              <thead>
                <tr>
                  <th scope="col">Part</th>
                  <th scope="col" class="number">
                    Score
                  </th>
                  <th scope="col" class="number">
                    Weight
                  </th>
                  <th scope="col">How</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(report.readability.breakdown).map(([name, part]) => (
                  <tr key={name}>
                    <th scope="row">{name.replace(/_/g, ' ')}</th>
                    <td class="number">{part.score}</td>
                    <td class="number">{part.weight}</td>
                    <td class="small">{part.explanation}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </details>
      </section>

      <section class="card" aria-labelledby="analyse-functions">
        <h2 id="analyse-functions">Functions</h2>
        {report.functions.length === 0 ? (
          <p class="muted">No functions found in this code.</p>
        ) : (
          <>
            <p class="small muted">
              Select a function's name to go to it in the editor. Cyclomatic:{' '}
              {report.reference.cyclomatic}; cognitive: {report.reference.cognitive}. Lines: those
              that hold code. There is no maintainability figure per function; the file's index is
              above.
            </p>
            <FunctionTable functions={report.functions} onGoTo={onGoTo} />
          </>
        )}
      </section>

      {report.functions.length > 0 && (
        <section class="card" aria-labelledby="analyse-chart">
          <h2 id="analyse-chart">Complexity per function</h2>
          {chart.shown.length < report.functions.length && (
            <p class="small muted">
              The {chart.shown.length} most complex of {report.functions.length} functions.
            </p>
          )}
          <Chart
            title="Cyclomatic and cognitive complexity per function"
            kind="bar"
            labels={chart.labels}
            series={chart.series}
          />
        </section>
      )}

      <section class="card" aria-labelledby="analyse-hotspots">
        <h2 id="analyse-hotspots">Hotspots</h2>
        <p class="small muted">Estimated from the code's shape, not measured.</p>
        <Hotspots report={report} onGoTo={onGoTo} />
      </section>

      <section class="card" aria-labelledby="analyse-issues">
        <h2 id="analyse-issues">Issues</h2>
        {issues.length === 0 ? (
          <p class="muted">No issues beyond syntax.</p>
        ) : (
          <ul class="link-list">
            {issues.map((issue, index) => (
              <li key={index}>
                <span class={`badge ${issue.severity === 'error' ? 'danger' : 'warn'}`}>
                  {issue.severity}
                </span>{' '}
                <LineLink line={issue.line} column={issue.column} onGoTo={onGoTo} />:{' '}
                {issue.message}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  )
}

export { LineLink }
