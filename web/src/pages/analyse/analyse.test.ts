import { describe, expect, it } from 'vitest'
import { bandOf, MAINTAINABILITY_BANDS, percentOf, READABILITY_BANDS } from './bands.js'
import { splitBatches } from './batches.js'
import { nextSort, sortFunctions } from './sort.js'
import type { FunctionReport } from '../../api/analysis-types.js'

function fn(name: string, line: number, cyclomatic: number, nloc = 3): FunctionReport {
  return {
    name,
    qualified_name: name,
    kind: 'function',
    start_line: line,
    end_line: line + nloc,
    cyclomatic_complexity: cyclomatic,
    cognitive_complexity: cyclomatic * 2,
    parameters: 1,
    max_nesting_depth: 1,
    nloc,
    length: nloc,
    performance: { time_complexity: 'O(1)', loop_depth: 0, recursion: 'none', hotspots: [] },
  }
}

const ROWS = [fn('beta', 10, 3), fn('Alpha', 20, 7), fn('gamma', 1, 3, 9)]

describe('sortFunctions', () => {
  it('sorts figures both ways, ties in source order', () => {
    const names = (rows: FunctionReport[]) => rows.map((row) => row.name)
    expect(names(sortFunctions(ROWS, { key: 'cyclomatic', direction: 'descending' }))).toEqual([
      'Alpha',
      'gamma',
      'beta',
    ])
    expect(names(sortFunctions(ROWS, { key: 'cyclomatic', direction: 'ascending' }))).toEqual([
      'gamma',
      'beta',
      'Alpha',
    ])
    expect(names(sortFunctions(ROWS, { key: 'lines', direction: 'descending' }))).toEqual([
      'gamma',
      'beta',
      'Alpha',
    ])
  })

  it('sorts names without regard to case, and lines', () => {
    const names = (rows: FunctionReport[]) => rows.map((row) => row.name)
    expect(names(sortFunctions(ROWS, { key: 'name', direction: 'ascending' }))).toEqual([
      'Alpha',
      'beta',
      'gamma',
    ])
    expect(names(sortFunctions(ROWS, { key: 'line', direction: 'ascending' }))).toEqual([
      'gamma',
      'beta',
      'Alpha',
    ])
  })

  it('leaves the input alone', () => {
    sortFunctions(ROWS, { key: 'name', direction: 'descending' })
    expect(ROWS[0]?.name).toBe('beta')
  })
})

describe('nextSort', () => {
  it('flips the same column and starts figures with the worst', () => {
    expect(nextSort({ key: 'line', direction: 'ascending' }, 'line').direction).toBe('descending')
    expect(nextSort({ key: 'line', direction: 'ascending' }, 'cognitive')).toEqual({
      key: 'cognitive',
      direction: 'descending',
    })
    expect(nextSort({ key: 'cognitive', direction: 'ascending' }, 'name')).toEqual({
      key: 'name',
      direction: 'ascending',
    })
  })
})

describe('bands', () => {
  it('places maintainability like the API ranks it', () => {
    expect(bandOf(79.6, MAINTAINABILITY_BANDS).label).toMatch(/^A/)
    expect(bandOf(20, MAINTAINABILITY_BANDS).label).toMatch(/^A/)
    expect(bandOf(19.5, MAINTAINABILITY_BANDS).label).toMatch(/^B/)
    expect(bandOf(10, MAINTAINABILITY_BANDS).label).toMatch(/^B/)
    expect(bandOf(9, MAINTAINABILITY_BANDS).label).toMatch(/^C/)
    expect(bandOf(100, MAINTAINABILITY_BANDS).label).toMatch(/^A/)
  })

  it('clamps odd scores to the end bands', () => {
    expect(bandOf(-5, READABILITY_BANDS).label).toBe('Hard to read')
    expect(bandOf(Number.NaN, READABILITY_BANDS).label).toBe('Hard to read')
    expect(bandOf(140, READABILITY_BANDS).label).toBe('Readable')
    expect(percentOf(140)).toBe(100)
    expect(percentOf(-1)).toBe(0)
    expect(percentOf(Number.NaN)).toBe(0)
  })
})

describe('splitBatches', () => {
  const file = (name: string, size: number) => ({ filename: name, code: 'x'.repeat(size) })

  it('keeps each batch within the file count and size', () => {
    const files = Array.from({ length: 5 }, (_, index) => file(`f${index}`, 10))
    expect(splitBatches(files, 2).map((batch) => batch.length)).toEqual([2, 2, 1])
    expect(splitBatches(files, 100, 25).map((batch) => batch.length)).toEqual([2, 2, 1])
  })

  it('gives an oversized file a batch of its own', () => {
    const batches = splitBatches([file('a', 5), file('big', 500), file('b', 5)], 100, 100)
    expect(batches.map((batch) => batch.map((f) => f.filename))).toEqual([['a'], ['big'], ['b']])
    expect(splitBatches([], 100)).toEqual([])
  })
})
