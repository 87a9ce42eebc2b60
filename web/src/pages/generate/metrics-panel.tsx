import type { GenerationMetrics } from '../../api/generation-types.js'
import { TableWrap } from '../../components/table-wrap.js'
import { Term, Terms } from '../../components/terms.js'

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}

/** The key figures of the final code and a table of its functions. */
export function MetricsPanel(props: { metrics: GenerationMetrics | null }) {
  const { metrics: report } = props
  if (!report) return <p class="muted">No metrics yet.</p>
  const { metrics } = report
  const figures: [string, string][] = [
    [
      'Maintainability index',
      `${round(metrics.maintainability_index)} (rank ${metrics.maintainability_rank})`,
    ],
    ['Readability', `${round(report.readability.score)} / 100`],
    [
      'Cyclomatic complexity',
      `max ${round(metrics.cyclomatic_complexity.max)}, average ${round(metrics.cyclomatic_complexity.average)}`,
    ],
    [
      'Cognitive complexity',
      `max ${round(metrics.cognitive_complexity.max)}, average ${round(metrics.cognitive_complexity.average)}`,
    ],
    [
      'Lines',
      `${metrics.lines.total} (${metrics.lines.code} code, ${metrics.lines.comment} comment)`,
    ],
    ['Functions / classes', `${metrics.functions} / ${metrics.classes}`],
    ['Estimated time complexity', report.performance.time_complexity],
  ]
  return (
    <div class="stack">
      <Terms boxed>
        {figures.map(([name, value]) => (
          <Term key={name} term={name}>
            {value}
          </Term>
        ))}
      </Terms>
      {report.functions.length > 0 && (
        <TableWrap label="Functions">
          <table>
            <caption class="visually-hidden">Functions</caption>
            <thead>
              <tr>
                <th scope="col">Function</th>
                <th scope="col" class="number">
                  Lines
                </th>
                <th scope="col" class="number">
                  Cyclomatic
                </th>
                <th scope="col" class="number">
                  Cognitive
                </th>
                <th scope="col" class="number">
                  Parameters
                </th>
                <th scope="col" class="number">
                  Nesting
                </th>
              </tr>
            </thead>
            <tbody>
              {report.functions.map((fn) => (
                <tr key={`${fn.qualified_name}:${fn.start_line}`}>
                  <td>
                    <code>{fn.qualified_name}</code>{' '}
                    <span class="muted small">
                      lines {fn.start_line}–{fn.end_line}
                    </span>
                  </td>
                  <td class="number">{fn.nloc}</td>
                  <td class="number">{fn.cyclomatic_complexity}</td>
                  <td class="number">{fn.cognitive_complexity}</td>
                  <td class="number">{fn.parameters}</td>
                  <td class="number">{fn.max_nesting_depth}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {report.issues.length > 0 && (
        <>
          <h3>Issues</h3>
          <ul>
            {report.issues.map((issue, index) => (
              <li key={index}>
                <span class={`badge ${issue.severity === 'info' ? '' : 'warn'}`}>
                  {issue.severity}
                </span>{' '}
                line {issue.line}: {issue.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
