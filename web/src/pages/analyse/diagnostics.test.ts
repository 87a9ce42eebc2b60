import { describe, expect, it } from 'vitest'
import { diagnosticsOf } from './diagnostics.js'
import type { AnalysisReport } from '../../api/analysis-types.js'

const at = { line: 3, column: 1, end_line: 3, end_column: 12, source_line: 'FMT_BEGIN_NAMESPACE' }

function report(part: Partial<AnalysisReport>): AnalysisReport {
  return { syntax_valid: true, syntax_errors: [], issues: [], ...part } as AnalysisReport
}

describe('diagnosticsOf', () => {
  it('marks syntax errors as errors and syntax warnings as warnings, with their reason', () => {
    const marks = diagnosticsOf(
      report({
        syntax_valid: false,
        syntax_errors: [{ ...at, line: 9, end_line: 9, message: "missing ')'" }],
        syntax_warnings: [{ ...at, message: "unexpected 'namespace'", reason: 'macro' }],
      }),
    )
    expect(marks).toEqual([
      expect.objectContaining({ line: 9, severity: 'error', message: "missing ')'" }),
      expect.objectContaining({
        line: 3,
        column: 1,
        end_column: 12,
        severity: 'warning',
        message: "unexpected 'namespace' (a macro the parser cannot expand; not an error)",
      }),
    ])
  })

  it('reads a stored report without warnings', () => {
    expect(diagnosticsOf(report({}))).toEqual([])
    expect(diagnosticsOf(null)).toEqual([])
  })
})
