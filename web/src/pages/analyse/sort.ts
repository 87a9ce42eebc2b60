import type { FunctionReport } from '../../api/analysis-types.js'

/** The columns the per-function table sorts by. */
export type SortKey =
  'name' | 'line' | 'cyclomatic' | 'cognitive' | 'lines' | 'parameters' | 'nesting'

export type SortDirection = 'ascending' | 'descending'

export interface SortState {
  key: SortKey
  direction: SortDirection
}

const VALUE: Record<SortKey, (row: FunctionReport) => number | string> = {
  name: (row) => row.qualified_name.toLowerCase(),
  line: (row) => row.start_line,
  cyclomatic: (row) => row.cyclomatic_complexity,
  cognitive: (row) => row.cognitive_complexity,
  lines: (row) => row.nloc,
  parameters: (row) => row.parameters,
  nesting: (row) => row.max_nesting_depth,
}

/**
 * The functions sorted by a column, without changing the input. Ties keep source order (by
 * start line), so the table does not jump around between equal rows.
 */
export function sortFunctions(rows: readonly FunctionReport[], sort: SortState): FunctionReport[] {
  const value = VALUE[sort.key]
  const sign = sort.direction === 'ascending' ? 1 : -1
  return [...rows].sort((a, b) => {
    const left = value(a)
    const right = value(b)
    const order =
      typeof left === 'string' && typeof right === 'string'
        ? left.localeCompare(right)
        : Number(left) - Number(right)
    return order !== 0 ? order * sign : a.start_line - b.start_line
  })
}

/**
 * The sort after a click on a column's header: the same column flips its direction; a new
 * column starts descending for figures (the worst first) and ascending for names and lines.
 */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
  }
  return { key, direction: key === 'name' || key === 'line' ? 'ascending' : 'descending' }
}
