/**
 * What the UI reads of `POST /api/analyze`'s report (src/schemas/analysis.ts), the same report a
 * generation carries as its metrics (without the header), and of `POST /api/analyze/batch`.
 */
import type { ErrorBody } from './errors.js'

export interface SyntaxErrorReport {
  line: number
  column: number
  end_line: number
  end_column: number
  message: string
  source_line: string
}

/** A spot the grammar could not place but that is not known to be wrong; not an error. */
export interface SyntaxWarningReport extends SyntaxErrorReport {
  reason: 'preprocessor' | 'macro' | 'parser-limit'
}

export interface Hotspot {
  line: number
  kind: string
  reason: string
}

export interface FunctionReport {
  name: string
  qualified_name: string
  kind: string
  start_line: number
  end_line: number
  cyclomatic_complexity: number
  cognitive_complexity: number
  parameters: number
  max_nesting_depth: number
  nloc: number
  length: number
  performance: {
    time_complexity: string
    loop_depth: number
    recursion: string
    hotspots: Hotspot[]
  }
}

export interface Issue {
  rule: string
  severity: 'error' | 'warning' | 'info'
  message: string
  line: number
  column?: number
  function?: string
}

export interface ReadabilityPart {
  score: number
  weight: number
  value: number
  explanation: string
}

export interface AnalysisReport {
  programming_language: string
  filename?: string
  syntax_valid: boolean
  syntax_errors: SyntaxErrorReport[]
  /** Absent from reports stored before the analysis gave warnings (a generation's history). */
  syntax_warnings?: SyntaxWarningReport[]
  /** Whose verdict `syntax_valid` is: 'typescript' (the compiler's parser) or 'tree-sitter'. */
  syntax_checker?: string
  metrics: {
    lines: { total: number; code: number; logical: number; comment: number; blank: number }
    cyclomatic_complexity: { total: number; average: number; max: number }
    cognitive_complexity: { total: number; average: number; max: number }
    halstead: { volume: number; difficulty: number; effort: number; bugs: number }
    maintainability_index: number
    maintainability_rank: 'A' | 'B' | 'C'
    functions: number
    classes: number
  }
  functions: FunctionReport[]
  performance: {
    time_complexity: string
    worst_function: string | null
    hotspots: (Hotspot & { function: string })[]
  }
  issues: Issue[]
  readability: { score: number; breakdown: Record<string, ReadabilityPart> }
  reference: { cyclomatic: string; cognitive: string; halstead: string; maintainability: string }
}

/** One file's answer in `POST /api/analyze/batch`. */
export interface BatchResult {
  index: number
  filename: string
  status: 'ok' | 'error'
  result?: AnalysisReport
  error?: ErrorBody
}

export interface BatchResponse {
  results: BatchResult[]
  summary: { files: number; analysed: number; failed: number; syntax_invalid: number }
}
