import type { FileResult } from './result.js'

const round = (value: number) => Math.round(value * 100) / 100

/** Totals of the run, kept as sums so that no report has to be held. */
export class Summary {
  private files = 0
  private analysed = 0
  private syntaxInvalid = 0
  private syntaxErrors = 0
  private linesOfCode = 0
  private functions = 0
  private cyclomatic = 0
  private cognitive = 0
  private nloc = 0
  private maintainability = 0
  private issues = 0

  add(result: FileResult): void {
    this.files++
    const report = result.report
    if (!report) return
    this.analysed++
    if (!report.syntax_valid) this.syntaxInvalid++
    this.syntaxErrors += report.syntax_errors.length
    this.linesOfCode += report.metrics.lines.code
    this.maintainability += report.metrics.maintainability_index
    this.issues += report.issues.length
    for (const unit of report.functions) {
      this.functions++
      this.cyclomatic += unit.cyclomatic_complexity
      this.cognitive += unit.cognitive_complexity
      this.nloc += unit.nloc
    }
  }

  get failed(): number {
    return this.files - this.analysed
  }

  get invalid(): number {
    return this.syntaxInvalid
  }

  /** The `summary` of the json format. */
  toJSON() {
    const average = (sum: number, count: number) => (count > 0 ? round(sum / count) : 0)
    return {
      files: this.files,
      analysed: this.analysed,
      failed: this.failed,
      syntax_invalid: this.syntaxInvalid,
      syntax_errors: this.syntaxErrors,
      lines_of_code: this.linesOfCode,
      functions: this.functions,
      average_cyclomatic_complexity: average(this.cyclomatic, this.functions),
      average_cognitive_complexity: average(this.cognitive, this.functions),
      average_nloc: average(this.nloc, this.functions),
      average_maintainability_index: average(this.maintainability, this.analysed),
      issues: this.issues,
    }
  }
}
