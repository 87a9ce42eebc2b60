import type { EditorDiagnostic } from '../../components/code-editor.js'
import type { AnalysisReport, SyntaxWarningReport } from '../../api/analysis-types.js'

/** Why a spot is a syntax warning, in words. */
export const WARNING_REASONS: Record<SyntaxWarningReport['reason'], string> = {
  preprocessor: 'inside a preprocessor branch',
  macro: 'a macro the parser cannot expand',
  'parser-limit': 'a construct the grammar does not cover',
}

/**
 * The API's diagnostics for the editor: syntax errors, then syntax warnings and issues placed at a
 * line, both marked as warnings.
 */
export function diagnosticsOf(report: AnalysisReport | null): EditorDiagnostic[] {
  if (!report) return []
  const syntax: EditorDiagnostic[] = report.syntax_errors.map((error) => ({
    line: error.line,
    column: error.column,
    end_line: error.end_line,
    end_column: error.end_column,
    message: error.message,
    severity: 'error',
  }))
  const warnings: EditorDiagnostic[] = (report.syntax_warnings ?? []).map((warning) => ({
    line: warning.line,
    column: warning.column,
    end_line: warning.end_line,
    end_column: warning.end_column,
    message: `${warning.message} (${WARNING_REASONS[warning.reason]}; not an error)`,
    severity: 'warning',
  }))
  const others: EditorDiagnostic[] = report.issues
    .filter((issue) => issue.rule !== 'syntax-error' && issue.severity !== 'info')
    .map((issue) => ({
      line: issue.line,
      column: issue.column ?? 1,
      message: issue.message,
      severity: 'warning',
    }))
  return [...syntax, ...warnings, ...others]
}
