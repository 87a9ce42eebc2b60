import { useMemo, useState } from 'preact/hooks'
import { nextSort, sortFunctions, type SortKey, type SortState } from './sort.js'
import type { FunctionReport } from '../../api/analysis-types.js'
import { TableWrap } from '../../components/table-wrap.js'

const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: 'name', label: 'Function', numeric: false },
  { key: 'line', label: 'Line', numeric: true },
  { key: 'cyclomatic', label: 'Cyclomatic', numeric: true },
  { key: 'cognitive', label: 'Cognitive', numeric: true },
  { key: 'lines', label: 'Lines', numeric: true },
  { key: 'parameters', label: 'Parameters', numeric: true },
  { key: 'nesting', label: 'Nesting', numeric: true },
]

const CELL: Record<SortKey, (row: FunctionReport) => number> = {
  name: () => 0,
  line: (row) => row.start_line,
  cyclomatic: (row) => row.cyclomatic_complexity,
  cognitive: (row) => row.cognitive_complexity,
  lines: (row) => row.nloc,
  parameters: (row) => row.parameters,
  nesting: (row) => row.max_nesting_depth,
}

/**
 * The per-function figures, sortable by any column (header buttons, `aria-sort` on the header
 * cell); a function's name jumps to it in the editor.
 */
export function FunctionTable(props: {
  functions: FunctionReport[]
  onGoTo: (line: number) => void
}) {
  const [sort, setSort] = useState<SortState>({ key: 'line', direction: 'ascending' })
  const rows = useMemo(() => sortFunctions(props.functions, sort), [props.functions, sort])
  return (
    <TableWrap label="Figures per function">
      <table class="function-table">
        <caption class="visually-hidden">
          Figures per function, sorted by {COLUMNS.find((c) => c.key === sort.key)?.label}{' '}
          {sort.direction}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th
                key={column.key}
                scope="col"
                class={column.numeric ? 'number' : undefined}
                aria-sort={sort.key === column.key ? sort.direction : undefined}
              >
                <button type="button" onClick={() => setSort(nextSort(sort, column.key))}>
                  {column.label}
                  <span aria-hidden="true" class="sort-arrow">
                    {sort.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              </th>
            ))}
            <th scope="col">Time (estimate)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.qualified_name}:${row.start_line}`}>
              <th scope="row">
                <button
                  type="button"
                  class="link-button"
                  onClick={() => props.onGoTo(row.start_line)}
                  title={`Go to line ${row.start_line}`}
                >
                  {row.qualified_name}
                </button>{' '}
                <span class="muted small">{row.kind}</span>
              </th>
              {COLUMNS.slice(1).map((column) => (
                <td key={column.key} class="number">
                  {CELL[column.key](row)}
                </td>
              ))}
              <td>
                <code>{row.performance.time_complexity}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}
