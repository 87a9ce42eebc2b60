import type { AnalysisReport } from '../../analysis/engine.js'
import type { Violation } from '../../analysis/thresholds.js'

/** One file's outcome, as the output formats receive it. */
export interface FileResult {
  /** As shown: relative to the current folder when below it. */
  path: string
  report?: AnalysisReport
  /** The report as the engine serialised it, when there is one: the json format copies it. */
  json?: string
  error?: string
}

/** A function past a limit, and where. */
export interface FileViolation extends Violation {
  path: string
}
